package action_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// diffLines returns "Subject action" per object of a diff, with the
// reason if any.
func diffLines(res *action.DiffResult) []string {
	var lines []string
	for _, d := range res.Objects {
		line := d.Ref.String() + " " + string(d.Action)
		if d.Reason != "" {
			line += " (" + d.Reason + ")"
		}
		lines = append(lines, line)
	}
	return lines
}

func cmValues(color string, names ...string) map[string]any {
	var cms []any
	for _, n := range names {
		cms = append(cms, map[string]any{"name": n})
	}
	return map[string]any{"color": color, "configmaps": cms}
}

// TestDiffUpgradeAndPlan diffs an upgrade that changes, creates and
// prunes, applies its plan and checks the cluster ends up exactly as
// reviewed; a second plan is refused after an out-of-band edit.
func TestDiffUpgradeAndPlan(t *testing.T) {
	cfg, dyn := newConfig(t)
	ns := cfg.Namespace
	c := configMapChart(t)
	if _, _, err := action.Install(t.Context(), cfg, c, nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	opts := action.UpgradeOptions{Name: "web", Values: action.ValuesReset}
	res, err := action.DiffUpgrade(t.Context(), cfg, c, cmValues("blue", "a", "c"), opts)
	if err != nil {
		t.Fatalf("DiffUpgrade: %v", err)
	}
	want := []string{"ConfigMap/" + ns + "/a change", "ConfigMap/" + ns + "/c create", "ConfigMap/" + ns + "/b delete"}
	if d := cmp.Diff(want, diffLines(res)); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
	if d := cmp.Diff(action.DiffSummary{Create: 1, Change: 1, Delete: 1}, res.Summary()); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"1:deployed"}, statuses(t, cfg.Store, "web")); d != "" {
		t.Errorf("diff recorded something (-want +got):\n%s", d)
	}

	path := filepath.Join(t.TempDir(), "plan.json")
	plan, err := action.NewPlan(t.Context(), cfg, res)
	if err != nil {
		t.Fatal(err)
	}
	if err := action.WritePlan(path, plan); err != nil {
		t.Fatal(err)
	}
	plan, err = action.ReadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := action.ApplyPlan(t.Context(), cfg, plan, action.ApplyPlanOptions{}); err != nil {
		t.Fatalf("ApplyPlan: %v", err)
	}
	if d := cmp.Diff([]string{"1:superseded", "2:deployed"}, statuses(t, cfg.Store, "web")); d != "" {
		t.Errorf("history after the plan (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a", "c", "k"}, liveNames(t, dyn, configMaps, ns)); d != "" {
		t.Errorf("ConfigMaps after the plan (-want +got):\n%s", d)
	}
	for _, d := range res.Objects[:2] {
		live := kube.Clean(getObject(t, dyn, configMaps, ns, d.Ref.Name))
		if diff := cmp.Diff(d.Merged.Object, live.Object); diff != "" {
			t.Errorf("%s is not as reviewed (-reviewed +live):\n%s", d.Ref, diff)
		}
	}

	res, err = action.DiffUpgrade(t.Context(), cfg, c, cmValues("green", "a", "c"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan, err = action.NewPlan(t.Context(), cfg, res); err != nil {
		t.Fatal(err)
	}
	before := getObject(t, dyn, configMaps, ns, "a")
	if err := unstructured.SetNestedField(before.Object, "purple", "data", "color"); err != nil {
		t.Fatal(err)
	}
	after, err := dyn.Resource(configMaps).Namespace(ns).Update(t.Context(), before, metav1.UpdateOptions{FieldManager: "kubectl-edit"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = action.ApplyPlan(t.Context(), cfg, plan, action.ApplyPlanOptions{})
	var stale *action.PlanStaleError
	if !errors.Is(err, action.ErrPlanStale) || !errors.As(err, &stale) {
		t.Fatalf("ApplyPlan after an edit: %v, want a PlanStaleError", err)
	}
	wantMoved := []string{fmt.Sprintf("ConfigMap/%s/a: planned at resourceVersion %s, live resourceVersion %s",
		ns, before.GetResourceVersion(), after.GetResourceVersion())}
	if d := cmp.Diff(wantMoved, stale.Moved); d != "" {
		t.Errorf("moved (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"1:superseded", "2:deployed"}, statuses(t, cfg.Store, "web")); d != "" {
		t.Errorf("history after a refused plan (-want +got):\n%s", d)
	}
}

// TestDiffInstallNewNamespaceAndCRD diffs an install into a namespace
// that does not exist, of a chart whose crds/ define the kind of one of
// its objects: every object is a creation, the ones the dry run cannot
// resolve shown as rendered.
func TestDiffInstallNewNamespaceAndCRD(t *testing.T) {
	ns := strings.ToLower(testenv.Namespace(t)) + "-new"
	cfg, _ := configFor(t, ns)
	group := ns + ".test.berth.sh"
	c := writeChart(t, "widgets", map[string]string{
		"crds/widget.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.` + group + `
spec:
  group: ` + group + `
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
		"templates/objects.yaml": `apiVersion: ` + group + `/v1
kind: Widget
metadata:
  name: w
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
`,
	})
	res, err := action.DiffInstall(t.Context(), cfg, c, nil, action.InstallOptions{Name: "web", CreateNamespace: true})
	if err != nil {
		t.Fatalf("DiffInstall: %v", err)
	}
	want := []string{
		"CustomResourceDefinition/widgets." + group + " create",
		"Namespace/" + ns + " create",
		"ConfigMap/" + ns + "/settings create (namespace " + ns + " does not exist yet)",
		"Widget/" + ns + "/w create (its CustomResourceDefinition is new in this revision)",
	}
	if d := cmp.Diff(want, diffLines(res)); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
}

// TestDriftCorrectKeepsHistory corrects an edited ConfigMap of a release
// and checks that no revision was recorded.
func TestDriftCorrectKeepsHistory(t *testing.T) {
	cfg, dyn := newConfig(t)
	c := configMapChart(t)
	if _, _, err := action.Install(t.Context(), cfg, c, nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	live := getObject(t, dyn, configMaps, cfg.Namespace, "a")
	if err := unstructured.SetNestedField(live.Object, "purple", "data", "color"); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(configMaps).Namespace(cfg.Namespace).Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	res, err := action.Drift(t.Context(), cfg, "web")
	if err != nil {
		t.Fatalf("Drift: %v", err)
	}
	var got []string
	for _, d := range res.Objects {
		for _, f := range d.Fields {
			got = append(got, fmt.Sprintf("%s %s %s %v->%v by %s", d.Ref.Name, f.Kind, f.Path, f.Want, f.Live, f.Manager))
		}
	}
	if d := cmp.Diff([]string{"a changed data.color red->purple by kubectl-edit"}, got); d != "" {
		t.Errorf("drift (-want +got):\n%s", d)
	}
	if _, err := action.CorrectDrift(t.Context(), cfg, res, action.ApplySettings{}); err != nil {
		t.Fatalf("CorrectDrift: %v", err)
	}
	if color := getObject(t, dyn, configMaps, cfg.Namespace, "a").Object["data"].(map[string]any)["color"]; color != "red" {
		t.Errorf("color after CorrectDrift: %v", color)
	}
	if d := cmp.Diff([]string{"1:deployed"}, statuses(t, cfg.Store, "web")); d != "" {
		t.Errorf("history after CorrectDrift (-want +got):\n%s", d)
	}
	if res, err = action.Drift(t.Context(), cfg, "web"); err != nil || res.Drifted() {
		t.Errorf("Drift after CorrectDrift: drifted %v, %v", res != nil && res.Drifted(), err)
	}
}
