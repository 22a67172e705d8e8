package kube_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// A change of an immutable field is a replacement in the diff, not an
// error, with the changed fields.
func TestDiffImmutableFieldIsAReplace(t *testing.T) {
	c, _ := newClient(t)
	ns := testenv.Namespace(t)
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{migrateJob(t, "a:1")}, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	diffs, err := c.Diff(t.Context(), []*unstructured.Unstructured{migrateJob(t, "a:2")}, kube.DiffOptions{ApplyOptions: kube.ApplyOptions{Namespace: ns}})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if len(diffs) != 1 {
		t.Fatalf("Diff = %d objects, want 1", len(diffs))
	}
	d := diffs[0]
	want := "immutable field spec.template changed: an upgrade needs --force-replace, which deletes and re-creates the object"
	if d.Action != kube.DiffReplace || d.Reason != want {
		t.Errorf("diff: %s (%s), want replace (%s)", d.Action, d.Reason, want)
	}
	wantChanges := []kube.FieldChange{{Path: "/spec/template/spec/containers/0/image", Op: kube.FieldOpReplace, Old: "a:1", New: "a:2"}}
	if diff := cmp.Diff(wantChanges, d.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}
