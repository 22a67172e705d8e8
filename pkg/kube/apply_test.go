package kube_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

var clusterRoles = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}

// TestApplyActions applies one ConfigMap in steps and checks the action of
// each: created, unchanged on a repeat, configured on a change.
func TestApplyActions(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	owner := kube.Owner{Name: "web", Namespace: ns}
	steps := []struct {
		color string
		want  kube.Action
	}{
		{color: "blue", want: kube.ActionCreated},
		{color: "blue", want: kube.ActionUnchanged},
		{color: "red", want: kube.ActionConfigured},
		{color: "red", want: kube.ActionUnchanged},
	}
	for i, step := range steps {
		obj := configMap("", "settings", map[string]any{"color": step.color})
		cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{obj}, kube.ApplyOptions{Namespace: ns, Owner: owner})
		if err != nil {
			t.Fatalf("step %d: Apply: %v", i, err)
		}
		want := []string{fmt.Sprintf("ConfigMap/%s/settings %s", ns, step.want)}
		if diff := cmp.Diff(want, entries(cs)); diff != "" {
			t.Errorf("step %d: change set (-want +got):\n%s", i, diff)
		}
		if obj.GetNamespace() != "" || obj.GetAnnotations() != nil {
			t.Errorf("step %d: Apply modified its input: %v", i, obj.Object["metadata"])
		}
	}
	live := getOrNil(t, dyn, configMaps, ns, "settings")
	wantAnnotations := map[string]string{kube.AnnotationReleaseName: "web", kube.AnnotationReleaseNamespace: ns}
	if diff := cmp.Diff(wantAnnotations, live.GetAnnotations()); diff != "" {
		t.Errorf("owner annotations (-want +got):\n%s", diff)
	}
}

// TestApplyStages applies objects given in the worst order: a custom
// resource before its CRD, a ConfigMap before its Namespace, a ClusterRole
// with a namespace it must not get. One Apply creates them all, stage by
// stage.
func TestApplyStages(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	crd, widgets := widgetCRD(t, ns)
	extraNS := ns + "-extra"
	deleteAfter(t, dyn, crds, crd.GetName())
	deleteAfter(t, dyn, namespaces, extraNS)
	deleteAfter(t, dyn, clusterRoles, ns+"-reader")
	objs := []*unstructured.Unstructured{
		widget(t, ns, "small", "S"),
		configMap(extraNS, "settings", map[string]any{"color": "blue"}),
		object(t, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: "+ns+"-reader, namespace: "+ns+"}\nrules: []"),
		object(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+extraNS+"}"),
		crd,
	}
	opts := kube.ApplyOptions{Namespace: ns, Owner: kube.Owner{Name: "web", Namespace: ns}}
	cs, err := c.Apply(t.Context(), objs, opts)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := []string{
		"CustomResourceDefinition/" + crd.GetName() + " created",
		"Namespace/" + extraNS + " created",
		"ClusterRole/" + ns + "-reader created",
		"ConfigMap/" + extraNS + "/settings created",
		"Widget/" + ns + "/small created",
	}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	if got := getOrNil(t, dyn, widgets, ns, "small"); got == nil {
		t.Errorf("Widget/%s/small not found after Apply", ns)
	}
	if got := getOrNil(t, dyn, configMaps, extraNS, "settings"); got == nil {
		t.Errorf("ConfigMap/%s/settings not found after Apply", extraNS)
	}
	// Once the CRD exists, its kind resolves at once: unchanged everywhere.
	cs, err = c.Apply(t.Context(), objs, opts)
	if err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	for _, e := range cs.Entries {
		if e.Action != kube.ActionUnchanged {
			t.Errorf("second Apply: %s, want unchanged", e)
		}
	}
}

// TestApplyConflict shows a conflict with another field manager reported
// with the manager and the field, and Force taking the field over.
func TestApplyConflict(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	theirs := configMap(ns, "settings", map[string]any{"color": "blue"})
	_, err := dyn.Resource(configMaps).Namespace(ns).Apply(t.Context(), "settings", theirs, metav1.ApplyOptions{FieldManager: "other"})
	if err != nil {
		t.Fatalf("apply as other: %v", err)
	}
	ours := []*unstructured.Unstructured{configMap(ns, "settings", map[string]any{"color": "red"})}

	cs, err := c.Apply(t.Context(), ours, kube.ApplyOptions{})
	if !errors.Is(err, kube.ErrConflict) {
		t.Fatalf("Apply without force: got %v, want ErrConflict", err)
	}
	wantMsg := "ConfigMap/" + ns + `/settings: conflict with field manager "other" over .data.color (use --force-conflicts to take over these fields)`
	if err.Error() != wantMsg {
		t.Errorf("conflict message:\n got %s\nwant %s", err, wantMsg)
	}
	var conflict *kube.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("error %v is not a *ConflictError", err)
	}
	if diff := cmp.Diff([]kube.FieldConflict{{Manager: "other", Field: ".data.color"}}, conflict.Conflicts); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	if len(cs.Entries) != 0 {
		t.Errorf("change set after conflict = %v, want empty", entries(cs))
	}

	cs, err = c.Apply(t.Context(), ours, kube.ApplyOptions{Force: true})
	if err != nil {
		t.Fatalf("Apply with force: %v", err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/" + ns + "/settings configured"}, entries(cs)); diff != "" {
		t.Errorf("change set with force (-want +got):\n%s", diff)
	}
	live := getOrNil(t, dyn, configMaps, ns, "settings")
	if diff := cmp.Diff([]string{"color"}, ownedDataKeys(t, live, kube.FieldManager)); diff != "" {
		t.Errorf("data keys owned by berth after force (-want +got):\n%s", diff)
	}
}

// TestApplyOwnership checks that Apply refuses objects of no release or of
// another one, before applying anything, unless TakeOwnership.
func TestApplyOwnership(t *testing.T) {
	tests := []struct {
		name          string
		annotations   map[string]string // of the existing object; nil: none
		takeOwnership bool
		wantErr       string // after the subject; empty: no error
	}{
		{
			name:    "unmanaged object",
			wantErr: "exists and is not managed by berth (no meta.berth.sh/release-name annotation); use --take-ownership to adopt it into release NS/web",
		},
		{
			name:        "other release",
			annotations: map[string]string{kube.AnnotationReleaseName: "api", kube.AnnotationReleaseNamespace: "prod"},
			wantErr:     "exists and belongs to release prod/api, not NS/web; use --take-ownership to adopt it",
		},
		{name: "same release", annotations: map[string]string{kube.AnnotationReleaseName: "web", kube.AnnotationReleaseNamespace: "NS"}},
		{name: "unmanaged object taken over", takeOwnership: true},
		{
			name:          "other release taken over",
			annotations:   map[string]string{kube.AnnotationReleaseName: "api", kube.AnnotationReleaseNamespace: "prod"},
			takeOwnership: true,
		},
	}
	// With a few objects Apply reads each with a GET; with many of one
	// kind, with one LIST: both must check owners alike.
	for _, padding := range []int{0, 12} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%d more", tt.name, padding), func(t *testing.T) {
				testApplyOwnership(t, tt.annotations, tt.takeOwnership, tt.wantErr, padding)
			})
		}
	}
}

// testApplyOwnership applies a fresh ConfigMap, one that exists with
// annotations, and padding more fresh ones, and checks the refusal wantErr
// (after the subject) or the adoption.
func testApplyOwnership(t *testing.T, annotations map[string]string, takeOwnership bool, wantErr string, padding int) {
	t.Helper()
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	existing := configMap(ns, "existing", map[string]any{"color": "blue"})
	existing.SetAnnotations(replaceNS(annotations, ns))
	if _, err := dyn.Resource(configMaps).Namespace(ns).Create(t.Context(), existing, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create existing: %v", err)
	}
	objs := []*unstructured.Unstructured{
		configMap(ns, "fresh", map[string]any{"color": "green"}),
		configMap(ns, "existing", map[string]any{"color": "blue", "size": "large"}),
	}
	for i := range padding {
		objs = append(objs, configMap(ns, fmt.Sprintf("more-%d", i), map[string]any{"n": fmt.Sprint(i)}))
	}
	opts := kube.ApplyOptions{Owner: kube.Owner{Name: "web", Namespace: ns}, TakeOwnership: takeOwnership}
	_, err := c.Apply(t.Context(), objs, opts)
	if wantErr != "" {
		want := "ConfigMap/" + ns + "/existing: " + strings.ReplaceAll(wantErr, "NS", ns)
		if err == nil || err.Error() != want || !errors.Is(err, kube.ErrNotOwned) {
			t.Fatalf("Apply: got error %v\nwant %s", err, want)
		}
		if getOrNil(t, dyn, configMaps, ns, "fresh") != nil {
			t.Errorf("refused Apply created ConfigMap/%s/fresh", ns)
		}
		return
	}
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	live := getOrNil(t, dyn, configMaps, ns, "existing")
	if got := live.GetAnnotations()[kube.AnnotationReleaseName]; got != "web" {
		t.Errorf("release annotation after Apply = %q, want web", got)
	}
}

// replaceNS returns annotations with "NS" replaced by ns in the values.
func replaceNS(annotations map[string]string, ns string) map[string]string {
	if annotations == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range annotations {
		out[k] = strings.ReplaceAll(v, "NS", ns)
	}
	return out
}

// TestApplySeesCRDsInstalledSince uses Clients whose discovery was cached
// before someone else installed a CRD: the cache must not hide the new kind
// from Apply or Delete.
func TestApplySeesCRDsInstalledSince(t *testing.T) {
	ns := testenv.Namespace(t)
	applier, dyn := newClient(t)
	deleter, _ := newClient(t)
	opts := kube.ApplyOptions{Namespace: ns}
	warmUp := []*unstructured.Unstructured{configMap("", "warm-up", nil)}
	if _, err := applier.Apply(t.Context(), warmUp, opts); err != nil {
		t.Fatalf("Apply warm-up: %v", err)
	}
	if _, err := deleter.Delete(t.Context(), kube.RefsOf(warmUp), kube.DeleteOptions{Namespace: ns}); err != nil {
		t.Fatalf("Delete warm-up: %v", err)
	}

	crd, widgets := widgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	installer, _ := newClient(t)
	// Applying a Widget with its CRD waits until discovery serves the kind.
	if _, err := installer.Apply(t.Context(), []*unstructured.Unstructured{crd, widget(t, ns, "first", "S")}, opts); err != nil {
		t.Fatalf("install CRD: %v", err)
	}

	small := []*unstructured.Unstructured{widget(t, ns, "small", "S")}
	cs, err := applier.Apply(t.Context(), small, opts)
	if err != nil {
		t.Fatalf("Apply Widget: %v", err)
	}
	if diff := cmp.Diff([]string{"Widget/" + ns + "/small created"}, entries(cs)); diff != "" {
		t.Errorf("Apply change set (-want +got):\n%s", diff)
	}
	cs, err = deleter.Delete(t.Context(), kube.RefsOf(small), kube.DeleteOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Delete Widget: %v", err)
	}
	if diff := cmp.Diff([]string{"Widget/" + ns + "/small deleted"}, entries(cs)); diff != "" {
		t.Errorf("Delete change set (-want +got):\n%s", diff)
	}
	if getOrNil(t, dyn, widgets, ns, "small") != nil {
		t.Error("Widget small still exists after Delete")
	}
}

// TestApplyList applies a v1 List: its items are applied one by one.
func TestApplyList(t *testing.T) {
	ns := testenv.Namespace(t)
	c, _ := newClient(t)
	list := object(t, "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n- metadata: {name: b}")
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{list}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := []string{"ConfigMap/" + ns + "/a created", "ConfigMap/" + ns + "/b created"}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
}
