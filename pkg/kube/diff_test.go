package kube_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

const secretValue = "hunter2-do-not-print"

func secret(name, token string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata":   map[string]any{"name": name},
		"stringData": map[string]any{"token": token},
	}}
}

// diffLines returns "Subject action" per diff, with the reason if any.
func diffLines(diffs []kube.ObjectDiff) []string {
	var lines []string
	for _, d := range diffs {
		line := d.Ref.String() + " " + string(d.Action)
		if d.Reason != "" {
			line += " (" + d.Reason + ")"
		}
		lines = append(lines, line)
	}
	return lines
}

// TestDiff diffs a new revision against an applied one: a change, a
// creation, an unchanged object, a pruned one, a changed Secret, a custom
// resource whose CRD is new and objects in a namespace that does not exist.
func TestDiff(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	owner := kube.Owner{Name: "web", Namespace: ns}
	opts := kube.ApplyOptions{Namespace: ns, Owner: owner}
	first := []*unstructured.Unstructured{
		configMap("", "a", map[string]any{"color": "blue"}),
		configMap("", "b", map[string]any{"color": "blue"}),
		configMap("", "same", map[string]any{"color": "blue"}),
		secret("s", "old-"+secretValue),
	}
	if _, err := c.Apply(t.Context(), first, opts); err != nil {
		t.Fatal(err)
	}
	crd, _ := widgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	missing := ns + "-later"
	second := []*unstructured.Unstructured{
		configMap("", "a", map[string]any{"color": "red"}),
		configMap("", "c", map[string]any{"color": "red"}),
		configMap("", "same", map[string]any{"color": "blue"}),
		secret("s", secretValue),
		crd, widget(t, ns, "w", "big"),
		configMap(missing, "elsewhere", map[string]any{"color": "red"}),
	}
	before := getOrNil(t, dyn, configMaps, ns, "a")
	diffs, err := c.Diff(t.Context(), second, kube.DiffOptions{ApplyOptions: opts, Prune: kube.RefsOf(first)})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	want := []string{
		"CustomResourceDefinition/" + crd.GetName() + " create",
		"Secret/" + ns + "/s change",
		"ConfigMap/" + ns + "/a change",
		"ConfigMap/" + ns + "/c create",
		"ConfigMap/" + ns + "/same unchanged",
		"ConfigMap/" + missing + "/elsewhere create (namespace " + missing + " does not exist yet)",
		"Widget/" + ns + "/w create (its CustomResourceDefinition is new in this revision)",
		"ConfigMap/" + ns + "/b delete",
	}
	if d := cmp.Diff(want, diffLines(diffs)); d != "" {
		t.Errorf("diffs (-want +got):\n%s", d)
	}
	byName := map[string]kube.ObjectDiff{}
	for _, d := range diffs {
		byName[d.Ref.Name] = d
	}
	wantChanges := []kube.FieldChange{{Path: "/data/color", Op: kube.FieldOpReplace, Old: "blue", New: "red"}}
	if d := cmp.Diff(wantChanges, byName["a"].Changes); d != "" {
		t.Errorf("changes of a (-want +got):\n%s", d)
	}
	if byName["a"].ResourceVersion != before.GetResourceVersion() || byName["c"].ResourceVersion != "" {
		t.Errorf("resourceVersions: a %q (live %q), c %q", byName["a"].ResourceVersion, before.GetResourceVersion(), byName["c"].ResourceVersion)
	}
	wantSecret := []kube.FieldChange{{
		Path: "/data/token", Op: kube.FieldOpReplace,
		Old: fmt.Sprintf("(sensitive, %d bytes)", len("old-"+secretValue)),
		New: fmt.Sprintf("(sensitive, %d bytes, changed)", len(secretValue)),
	}}
	if d := cmp.Diff(wantSecret, byName["s"].Changes); d != "" {
		t.Errorf("changes of the Secret (-want +got):\n%s", d)
	}
	dump, err := json.Marshal(diffs)
	if err != nil {
		t.Fatal(err)
	}
	text, err := kube.UnifiedDiff("s", byName["s"].Live, byName["s"].Merged)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{string(dump), text} {
		if strings.Contains(out, secretValue) || strings.Contains(out, "aHVudGVy") {
			t.Errorf("diff output shows the secret value:\n%s", out)
		}
	}
	if !strings.Contains(text, "+  token: (sensitive, 20 bytes, changed)") {
		t.Errorf("unified diff of the Secret:\n%s", text)
	}
}
