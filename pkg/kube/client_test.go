package kube_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// TestNewForGetter builds a Client from kubectl's connection flags, as the
// CLI does, and applies through it.
func TestNewForGetter(t *testing.T) {
	ns := testenv.Namespace(t)
	kubeconfig := testenv.Kubeconfig(t)
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig
	c, err := kube.NewForGetter(flags)
	if err != nil {
		t.Fatalf("NewForGetter: %v", err)
	}
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{configMap("", "settings", nil)}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/" + ns + "/settings created"}, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
}

// TestNewForGetterBadKubeconfig checks that a kubeconfig that cannot be
// loaded is reported as such.
func TestNewForGetterBadKubeconfig(t *testing.T) {
	missing := t.TempDir() + "/missing"
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &missing
	_, err := kube.NewForGetter(flags)
	if err == nil || !strings.HasPrefix(err.Error(), "load kubeconfig: ") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("NewForGetter with a missing kubeconfig: got %v, want a load kubeconfig error naming %s", err, missing)
	}
}
