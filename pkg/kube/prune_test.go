package kube_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// TestPrune deletes what the new revision dropped, keeping objects with
// the keep resource policy and objects another release took over.
func TestPrune(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	owner := kube.Owner{Name: "web", Namespace: ns}
	keep := configMap("", "kept", nil)
	keep.SetAnnotations(map[string]string{kube.AnnotationResourcePolicy: " Keep "})
	previous := []*unstructured.Unstructured{
		configMap("", "stays", nil),
		configMap("", "dropped", nil),
		keep,
		configMap("", "adopted", nil),
		configMap("", "gone", nil),
	}
	if _, err := c.Apply(t.Context(), previous, kube.ApplyOptions{Namespace: ns, Owner: owner}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	other := kube.Owner{Name: "api", Namespace: ns}
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{configMap("", "adopted", nil)},
		kube.ApplyOptions{Namespace: ns, Owner: other, TakeOwnership: true}); err != nil {
		t.Fatalf("adopt into other release: %v", err)
	}
	if err := dyn.Resource(configMaps).Namespace(ns).Delete(t.Context(), "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete gone: %v", err)
	}
	// The current refs carry the namespace, the previous ones do not: Prune
	// matches them after defaulting.
	current := []kube.ObjectRef{{Version: "v1", Kind: "ConfigMap", Namespace: ns, Name: "stays"}}
	cs, err := c.Prune(t.Context(), kube.RefsOf(previous), current, kube.DeleteOptions{Namespace: ns, Owner: owner})
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	want := []string{
		"ConfigMap/" + ns + "/dropped deleted",
		"ConfigMap/" + ns + "/kept skipped (annotation helm.sh/resource-policy: keep)",
		"ConfigMap/" + ns + "/adopted skipped (owned by release " + ns + "/api)",
		"ConfigMap/" + ns + "/gone skipped (not found)",
	}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	for name, wantExists := range map[string]bool{"stays": true, "dropped": false, "kept": true, "adopted": true} {
		if exists := getOrNil(t, dyn, configMaps, ns, name) != nil; exists != wantExists {
			t.Errorf("ConfigMap %s exists = %v, want %v", name, exists, wantExists)
		}
	}
}

// TestPruneDryRun checks that a dry-run prune reports deletions and deletes
// nothing.
func TestPruneDryRun(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	objs := []*unstructured.Unstructured{configMap("", "dropped", nil)}
	if _, err := c.Apply(t.Context(), objs, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	cs, err := c.Prune(t.Context(), kube.RefsOf(objs), nil, kube.DeleteOptions{Namespace: ns, DryRun: true})
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/" + ns + "/dropped deleted"}, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	if getOrNil(t, dyn, configMaps, ns, "dropped") == nil {
		t.Error("dry-run Prune deleted ConfigMap dropped")
	}
}
