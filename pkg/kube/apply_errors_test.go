package kube_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// TestApplyErrors checks that errors name their object first and then say
// why, and that Apply changes nothing when an object is refused before it
// starts.
func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name     string
		first    string // applied before, when set
		manifest string
		subject  string // NS stands for the test namespace
		wantIs   error
		wantMsg  []string // substrings of the error, after "Subject: "
	}{
		{
			name:     "unknown kind",
			manifest: "apiVersion: nowhere.berth.sh/v1\nkind: Gadget\nmetadata: {name: g}",
			subject:  "Gadget/g", // scope unknown: namespace not defaulted
			wantIs:   kube.ErrUnknownKind,
			wantMsg:  []string{`no matches for kind "Gadget" in group "nowhere.berth.sh": is the CRD installed?`},
		},
		{
			name:     "immutable field",
			first:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {color: blue}",
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {color: red}",
			subject:  "ConfigMap/NS/frozen",
			wantIs:   kube.ErrImmutable,
			wantMsg:  []string{"data: field is immutable when `immutable` is set; use --force-replace to delete and re-create the object"},
		},
		{
			name:     "rejected by validation",
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_A_Name}",
			subject:  "ConfigMap/NS/Not_A_Name",
			wantMsg:  []string{"apply: invalid: ", "RFC 1123"},
		},
		{
			name:     "duplicate",
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bystander}",
			subject:  "ConfigMap/NS/bystander",
			wantMsg:  []string{"given more than once"},
		},
		{
			name:     "missing name",
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {}",
			subject:  "ConfigMap/(unnamed)",
			wantMsg:  []string{"apiVersion, kind and metadata.name are required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			c, _ := newClient(t)
			opts := kube.ApplyOptions{Namespace: ns}
			if tt.first != "" {
				if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, tt.first)}, opts); err != nil {
					t.Fatalf("first Apply: %v", err)
				}
			}
			obj := object(t, tt.manifest)
			bystander := configMap("", "bystander", nil)
			_, err := c.Apply(t.Context(), []*unstructured.Unstructured{obj, bystander}, opts)
			if err == nil {
				t.Fatal("Apply succeeded, want an error")
			}
			subject := strings.ReplaceAll(tt.subject, "NS", ns)
			if !strings.HasPrefix(err.Error(), subject+": ") {
				t.Errorf("error %q does not start with %q", err, subject+": ")
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			var objErr *kube.ObjectError
			if !errors.As(err, &objErr) || objErr.Ref.String() != subject {
				t.Errorf("error is not an *ObjectError for %s: %#v", subject, err)
			}
		})
	}
}

// TestApplyRefusesBeforeApplying checks that a kind the server does not
// serve stops Apply before any object is created.
func TestApplyRefusesBeforeApplying(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	objs := []*unstructured.Unstructured{
		configMap("", "first", nil),
		object(t, "apiVersion: nowhere.berth.sh/v1\nkind: Gadget\nmetadata: {name: g}"),
	}
	cs, err := c.Apply(t.Context(), objs, kube.ApplyOptions{Namespace: ns})
	if !errors.Is(err, kube.ErrUnknownKind) {
		t.Fatalf("Apply: got %v, want ErrUnknownKind", err)
	}
	if diff := cmp.Diff([]string(nil), entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	if getOrNil(t, dyn, configMaps, ns, "first") != nil {
		t.Errorf("ConfigMap/%s/first was created by a refused Apply", ns)
	}
}

// TestApplyDryRun checks that a server-side dry run reports what would
// happen and persists nothing.
func TestApplyDryRun(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	opts := kube.ApplyOptions{Namespace: ns, Owner: kube.Owner{Name: "web", Namespace: ns}}
	existing := []*unstructured.Unstructured{
		configMap("", "same", map[string]any{"color": "blue"}),
		configMap("", "changed", map[string]any{"color": "blue"}),
	}
	if _, err := c.Apply(t.Context(), existing, opts); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	crd, _ := widgetCRD(t, ns)
	objs := []*unstructured.Unstructured{
		configMap("", "same", map[string]any{"color": "blue"}),
		configMap("", "changed", map[string]any{"color": "red"}),
		configMap("", "new", map[string]any{"color": "green"}),
		crd,
		widget(t, ns, "small", "S"),
	}
	opts.DryRun = true
	cs, err := c.Apply(t.Context(), objs, opts)
	if err != nil {
		t.Fatalf("dry-run Apply: %v", err)
	}
	want := []string{
		"CustomResourceDefinition/" + crd.GetName() + " created",
		"ConfigMap/" + ns + "/same unchanged",
		"ConfigMap/" + ns + "/changed configured",
		"ConfigMap/" + ns + "/new created",
		"Widget/" + ns + "/small skipped (dry run: its CustomResourceDefinition is not installed)",
	}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	if getOrNil(t, dyn, configMaps, ns, "new") != nil {
		t.Error("dry run created ConfigMap new")
	}
	if getOrNil(t, dyn, crds, "", crd.GetName()) != nil {
		t.Error("dry run created the CRD")
	}
	live := getOrNil(t, dyn, configMaps, ns, "changed")
	if color, _, _ := unstructured.NestedString(live.Object, "data", "color"); color != "blue" {
		t.Errorf("dry run changed ConfigMap changed: color = %q, want blue", color)
	}
}

// TestApplyCRDNamesRejected checks that Apply fails at once, naming the
// CRD, when the API server will never establish it: its kind is taken by
// another CRD of the group.
func TestApplyCRDNamesRejected(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	crd, _ := widgetCRD(t, ns)
	rival := crd.DeepCopy()
	rival.SetName("gadgets." + ns + ".test.berth.sh")
	if err := unstructured.SetNestedField(rival.Object, "gadgets", "spec", "names", "plural"); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(rival.Object, "gadget", "spec", "names", "singular"); err != nil {
		t.Fatal(err)
	}
	deleteAfter(t, dyn, crds, crd.GetName())
	deleteAfter(t, dyn, crds, rival.GetName())
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{crd}, kube.ApplyOptions{}); err != nil {
		t.Fatalf("Apply first CRD: %v", err)
	}
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{rival}, kube.ApplyOptions{})
	want := "CustomResourceDefinition/" + rival.GetName() + ": names not accepted: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Apply rival CRD: got error %v, want one starting with %q", err, want)
	}
	if diff := cmp.Diff([]string{"CustomResourceDefinition/" + rival.GetName() + " created"}, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
}

// TestApplyVersionNotServedByCRD checks that a custom resource in a version
// its CRD in the same apply does not serve is refused before anything is
// applied, instead of waiting for discovery.
func TestApplyVersionNotServedByCRD(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	crd, _ := widgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	cr := widget(t, ns, "small", "S")
	cr.SetAPIVersion(ns + ".test.berth.sh/v2")
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{crd, cr}, kube.ApplyOptions{Namespace: ns})
	if !errors.Is(err, kube.ErrUnknownKind) || !strings.HasPrefix(err.Error(), "Widget/small: ") {
		t.Fatalf("Apply: got error %v, want ErrUnknownKind about Widget/small", err)
	}
	if len(cs.Entries) != 0 || getOrNil(t, dyn, crds, "", crd.GetName()) != nil {
		t.Errorf("refused Apply applied something: %v", entries(cs))
	}
}

// TestApplyDryRunTakeOwnership checks that a dry run adopting another
// release's object reports it configured without a conflict over the
// release annotations, and changes nothing.
func TestApplyDryRunTakeOwnership(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	// Another tool wrote the object with release api's annotations: it owns
	// them, and applying other values for them would conflict.
	theirs := configMap(ns, "shared", map[string]any{"color": "blue"})
	theirs.SetAnnotations(map[string]string{kube.AnnotationReleaseName: "api", kube.AnnotationReleaseNamespace: ns})
	if _, err := dyn.Resource(configMaps).Namespace(ns).Apply(t.Context(), "shared", theirs, metav1.ApplyOptions{FieldManager: "other"}); err != nil {
		t.Fatalf("apply as other: %v", err)
	}
	adopt := []*unstructured.Unstructured{configMap("", "shared", map[string]any{"color": "blue", "size": "L"})}
	opts := kube.ApplyOptions{Namespace: ns, Owner: kube.Owner{Name: "web", Namespace: ns}, TakeOwnership: true, DryRun: true}
	cs, err := c.Apply(t.Context(), adopt, opts)
	if err != nil {
		t.Fatalf("dry-run Apply: %v", err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/" + ns + "/shared configured"}, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	live := getOrNil(t, dyn, configMaps, ns, "shared")
	if got := live.GetAnnotations()[kube.AnnotationReleaseName]; got != "api" {
		t.Errorf("release annotation after dry run = %q, want api", got)
	}
	if _, ok := live.Object["data"].(map[string]any)["size"]; ok {
		t.Error("dry run persisted data.size")
	}
}
