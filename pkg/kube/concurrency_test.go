package kube_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// TestApplyManyObjects applies 200 ConfigMaps in parallel and checks that
// every one is created once, reported in the given order, then unchanged,
// then deleted.
func TestApplyManyObjects(t *testing.T) {
	const count = 200
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	objs := make([]*unstructured.Unstructured, count)
	for i := range objs {
		objs[i] = configMap("", fmt.Sprintf("cm-%03d", i), map[string]any{"index": fmt.Sprint(i)})
	}
	opts := kube.ApplyOptions{Namespace: ns, Owner: kube.Owner{Name: "web", Namespace: ns}, Concurrency: 16}
	steps := []struct {
		run  func() (*kube.ChangeSet, error)
		want kube.Action
	}{
		{run: func() (*kube.ChangeSet, error) { return c.Apply(t.Context(), objs, opts) }, want: kube.ActionCreated},
		{run: func() (*kube.ChangeSet, error) { return c.Apply(t.Context(), objs, opts) }, want: kube.ActionUnchanged},
		{run: func() (*kube.ChangeSet, error) {
			return c.Delete(t.Context(), kube.RefsOf(objs), kube.DeleteOptions{Namespace: ns, Concurrency: 16})
		}, want: kube.ActionDeleted},
	}
	for _, step := range steps {
		cs, err := step.run()
		if err != nil {
			t.Fatalf("%s step: %v", step.want, err)
		}
		want := make([]string, count)
		for i := range want {
			want[i] = fmt.Sprintf("ConfigMap/%s/cm-%03d %s", ns, i, step.want)
		}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Fatalf("%s step: change set (-want +got):\n%s", step.want, diff)
		}
		list, err := dyn.Resource(configMaps).Namespace(ns).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list ConfigMaps: %v", err)
		}
		wantLen := count
		if step.want == kube.ActionDeleted {
			wantLen = 0
		}
		// The namespace also holds kube-root-ca.crt only with a controller
		// manager, which the test cluster lacks.
		if len(list.Items) != wantLen {
			t.Errorf("%s step: %d ConfigMaps in %s, want %d", step.want, len(list.Items), ns, wantLen)
		}
	}
}
