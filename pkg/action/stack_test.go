package action_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// stackChart is a chart of one ConfigMap named after the release, with
// an invalid Pod when .Values.fail is set.
var stackChart = map[string]string{
	"Chart.yaml":  "apiVersion: v2\nname: cm\nversion: 0.1.0\n",
	"values.yaml": "color: red\nfail: false\n",
	"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  color: {{ .Values.color | quote }}
{{- if .Values.fail }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-bad
spec:
  containers: []
{{- end }}
`,
}

// stackFixture is a stack directory with the chart in charts/cm, its
// namespace and clients for it.
type stackFixture struct {
	t   *testing.T
	dir string
	ns  string
	dyn dynamic.Interface
	cs  kubernetes.Interface
}

func newStackFixture(t *testing.T) *stackFixture {
	t.Helper()
	dir := t.TempDir()
	for path, content := range stackChart {
		full := filepath.Join(dir, "charts", "cm", path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rc := testenv.Config(t)
	return &stackFixture{t: t, dir: dir, ns: testenv.Namespace(t), dyn: dynamic.NewForConfigOrDie(rc), cs: kubernetes.NewForConfigOrDie(rc)}
}

// write writes berth.yaml: a header naming the fixture's namespace, then
// releases (YAML list items).
func (f *stackFixture) write(releases string) *stack.Stack {
	f.t.Helper()
	src := "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: shop}\ndefaults: {namespace: " + f.ns +
		", timeout: 30s}\nreleases:\n" + releases
	path := filepath.Join(f.dir, "berth.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		f.t.Fatal(err)
	}
	s, err := stack.Load(path, stack.LoadOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *stackFixture) target(s *stack.Stack) *action.StackTarget {
	f.t.Helper()
	rc := testenv.Config(f.t)
	return &action.StackTarget{
		Stack:     s,
		Config:    func(ns string) (*action.Configuration, error) { return configFromREST(f.t, rc, ns), nil },
		Inventory: &stack.InventoryStore{Client: f.cs, Namespace: f.ns, Stack: s.Metadata.Name},
		Locator:   &action.ChartLocator{},
	}
}

func (f *stackFixture) history(name string) []string {
	f.t.Helper()
	clients, err := release.NewClients(testenv.Config(f.t))
	if err != nil {
		f.t.Fatal(err)
	}
	history, err := release.NewSecrets(clients, f.ns).History(f.t.Context(), name)
	if err != nil && !errors.Is(err, release.ErrNotFound) {
		f.t.Fatal(err)
	}
	var out []string
	for _, s := range history {
		out = append(out, itoa(s.Revision)+":"+string(s.Status))
	}
	return out
}

func outcomesOf(res *action.StackApplyResult) map[string]stack.Outcome {
	out := map[string]stack.Outcome{}
	for _, r := range res.Releases {
		out[r.Name] = r.Outcome
	}
	return out
}

func actionsOf(p *action.StackPlanResult) map[string]string {
	out := map[string]string{}
	for _, r := range p.Releases {
		out[r.Name] = r.Action
	}
	return out
}

const threeReleases = `  - {name: db, chart: ./charts/cm, keep: true}
  - {name: api, chart: ./charts/cm, needs: [{release: db, until: ready}], set: {color: blue}}
  - {name: web, chart: ./charts/cm, needs: [{release: api}]}
`

func TestApplyStackUnchangedAndPrune(t *testing.T) {
	f := newStackFixture(t)
	ctx := t.Context()
	s := f.write(threeReleases)
	res, err := action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := func(o stack.Outcome) map[string]stack.Outcome {
		return map[string]stack.Outcome{"db": o, "api": o, "web": o}
	}
	if diff := cmp.Diff(all(stack.OutcomeSucceeded), outcomesOf(res)); diff != "" {
		t.Fatalf("first apply (-want +got):\n%s", diff)
	}
	if got := getObject(t, f.dyn, configMaps, f.ns, "api"); got == nil || got.Object["data"].(map[string]any)["color"] != "blue" {
		t.Fatalf("ConfigMap api = %v, want color blue", got)
	}

	// A second apply changes nothing and records no revision.
	res, err = action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all(stack.OutcomeUnchanged), outcomesOf(res)); diff != "" {
		t.Errorf("second apply (-want +got):\n%s", diff)
	}
	if got := f.history("api"); !cmp.Equal(got, []string{"1:deployed"}) {
		t.Errorf("history of api = %v, want one revision", got)
	}
	plan, err := action.PlanStack(ctx, f.target(s), 0)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Changed() {
		t.Errorf("plan after apply changes something: %v", actionsOf(plan))
	}

	// Drift: a deleted object makes the release change again.
	if err := f.cs.CoreV1().ConfigMaps(f.ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomesOf(res)["web"]; got != stack.OutcomeSucceeded {
		t.Errorf("web after its ConfigMap was deleted: %s, want succeeded", got)
	}

	// web and db leave the file: plan prunes web and keeps db.
	s = f.write("  - {name: api, chart: ./charts/cm, set: {color: blue}}\n")
	plan, err = action.PlanStack(ctx, f.target(s), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"api": stack.ActionUnchanged, "web": stack.ActionPrune, "db": stack.ActionKeep}
	if diff := cmp.Diff(want, actionsOf(plan)); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	res, err = action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pruned) != 0 || getObject(t, f.dyn, configMaps, f.ns, "web") == nil {
		t.Fatalf("apply without prune pruned %v", res.Pruned)
	}
	res, err = action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pruned) != 1 || res.Pruned[0].Name != "web" || len(res.Kept) != 1 || res.Kept[0].Name != "db" {
		t.Errorf("pruned %v, kept %v; want web pruned and db kept", res.Pruned, res.Kept)
	}
	if getObject(t, f.dyn, configMaps, f.ns, "web") != nil || f.history("web") != nil {
		t.Error("web's ConfigMap or records are left after prune")
	}
	if getObject(t, f.dyn, configMaps, f.ns, "db") == nil {
		t.Error("db (keep: true) was removed")
	}
	inv, err := f.target(s).Inventory.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range inv.Releases {
		names = append(names, r.Name)
	}
	if !cmp.Equal(names, []string{"api", "db"}) {
		t.Errorf("inventory holds %v, want [api db]", names)
	}
}

func TestApplyStackFailureKeepGoingAndResume(t *testing.T) {
	f := newStackFixture(t)
	ctx := t.Context()
	s := f.write(`  - {name: db, chart: ./charts/cm}
  - {name: api, chart: ./charts/cm, needs: [{release: db}], set: {fail: true}}
  - {name: web, chart: ./charts/cm, needs: [{release: api}]}
  - {name: other, chart: ./charts/cm}
`)
	res, err := action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{KeepGoing: true, Concurrency: 1})
	if !errors.Is(err, action.ErrStackFailed) {
		t.Fatalf("err = %v, want ErrStackFailed", err)
	}
	want := map[string]stack.Outcome{"db": stack.OutcomeSucceeded, "api": stack.OutcomeFailed, "web": stack.OutcomeSkipped, "other": stack.OutcomeSucceeded}
	if diff := cmp.Diff(want, outcomesOf(res)); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s", diff)
	}
	if r := res.Releases[2]; !cmp.Equal(r.BlockedBy, []string{"api"}) {
		t.Errorf("web blocked by %v, want [api]", r.BlockedBy)
	}
	if r := res.Releases[1]; !strings.Contains(r.Error, "Pod/"+f.ns+"/api-bad") {
		t.Errorf("api's error %q does not name the Pod", r.Error)
	}

	// After the fix, a second apply does only what is left.
	s = f.write(`  - {name: db, chart: ./charts/cm}
  - {name: api, chart: ./charts/cm, needs: [{release: db}]}
  - {name: web, chart: ./charts/cm, needs: [{release: api}]}
  - {name: other, chart: ./charts/cm}
`)
	res, err = action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]stack.Outcome{"db": stack.OutcomeUnchanged, "api": stack.OutcomeSucceeded, "web": stack.OutcomeSucceeded, "other": stack.OutcomeUnchanged}
	if diff := cmp.Diff(want, outcomesOf(res)); diff != "" {
		t.Errorf("second apply (-want +got):\n%s", diff)
	}
}

func TestApplyStackPlanRefusedWhenMoved(t *testing.T) {
	f := newStackFixture(t)
	ctx := t.Context()
	s := f.write(threeReleases)
	if _, err := action.ApplyStack(ctx, f.target(s), action.ApplyStackOptions{}); err != nil {
		t.Fatal(err)
	}
	s = f.write(strings.ReplaceAll(threeReleases, "color: blue", "color: green"))
	plan, err := action.PlanStack(ctx, f.target(s), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := actionsOf(plan)["api"]; got != stack.ActionUpgrade {
		t.Fatalf("api: %s, want upgrade", got)
	}
	planned, err := plan.Planned("")
	if err != nil {
		t.Fatal(err)
	}
	// The cluster moves: someone edits api's ConfigMap.
	cm, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["extra"] = "x"
	if _, err := f.cs.CoreV1().ConfigMaps(f.ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = action.ApplyStackPlan(ctx, f.target(s), &planned, action.ApplyStackOptions{})
	if !errors.Is(err, action.ErrStackPlanStale) || !strings.Contains(err.Error(), "ConfigMap/"+f.ns+"/api: planned at resourceVersion") {
		t.Fatalf("err = %v, want a stale plan naming ConfigMap api", err)
	}
	if got := f.history("api"); len(got) != 1 {
		t.Errorf("history of api = %v: the refused plan recorded something", got)
	}

	// A fresh plan applies, exactly.
	plan, err = action.PlanStack(ctx, f.target(s), 0)
	if err != nil {
		t.Fatal(err)
	}
	planned, err = plan.Planned("")
	if err != nil {
		t.Fatal(err)
	}
	res, err := action.ApplyStackPlan(ctx, f.target(s), &planned, action.ApplyStackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]stack.Outcome{"db": stack.OutcomeUnchanged, "api": stack.OutcomeSucceeded, "web": stack.OutcomeUnchanged}
	if diff := cmp.Diff(want, outcomesOf(res)); diff != "" {
		t.Errorf("plan applied (-want +got):\n%s", diff)
	}
	if got := getObject(t, f.dyn, configMaps, f.ns, "api"); got.Object["data"].(map[string]any)["color"] != "green" {
		t.Errorf("ConfigMap api data = %v, want color green", got.Object["data"])
	}
}

// TestStackLockRefusesRepublishedChart pins a chart archive, then
// replaces it with different content under the same version.
func TestStackLockRefusesRepublishedChart(t *testing.T) {
	f := newStackFixture(t)
	ctx := t.Context()
	pack := func(color string) {
		t.Helper()
		files := map[string]string{}
		for k, v := range stackChart {
			files[k] = v
		}
		files["values.yaml"] = "color: " + color + "\n"
		c := writeChart(t, "cm", files)
		out, err := os.Create(filepath.Join(f.dir, "cm-0.1.0.tgz"))
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if err := chart.WriteArchive(out, c); err != nil {
			t.Fatal(err)
		}
	}
	pack("red")
	s := f.write("  - {name: api, chart: ./cm-0.1.0.tgz}\n")
	lock, err := action.LockStack(ctx, f.target(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	pin, ok := lock.Pin("", "api")
	if !ok || pin.Version != "0.1.0" || !strings.HasPrefix(pin.Digest, "sha256:") {
		t.Fatalf("pin = %+v, %v", pin, ok)
	}
	tg := f.target(s)
	tg.Lock = lock
	if _, err := action.PlanStack(ctx, tg, 0); err != nil {
		t.Fatalf("plan with the lock: %v", err)
	}
	pack("blue")
	_, err = action.ApplyStack(ctx, tg, action.ApplyStackOptions{})
	if !errors.Is(err, stack.ErrLockStale) || !strings.Contains(err.Error(), "berth.lock pins "+pin.Digest) {
		t.Fatalf("err = %v, want the lock's refusal naming the pinned digest", err)
	}
	if getObject(t, f.dyn, configMaps, f.ns, "api") != nil {
		t.Error("the refused chart was applied")
	}
}

// TestInventoryGuardedByResourceVersion writes the inventory from two
// readers: the second write, from a stale read, is refused, and Update
// merges over the other's write instead.
func TestInventoryGuardedByResourceVersion(t *testing.T) {
	f := newStackFixture(t)
	ctx := t.Context()
	store := &stack.InventoryStore{Client: f.cs, Namespace: f.ns, Stack: "guarded", Environment: "prod"}
	a, err := store.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Set(stack.InventoryRelease{Name: "api", Namespace: f.ns, Revision: 1})
	if err := store.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.Set(stack.InventoryRelease{Name: "web", Namespace: f.ns, Revision: 1})
	if err := store.Put(ctx, b); !errors.Is(err, stack.ErrInventoryConflict) {
		t.Fatalf("write from a stale read: err = %v, want ErrInventoryConflict", err)
	}
	got, err := store.Update(ctx, func(inv *stack.Inventory) {
		inv.Set(stack.InventoryRelease{Name: "web", Namespace: f.ns, Revision: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Releases) != 2 || got.Releases[0].Name != "api" || got.Releases[1].Name != "web" {
		t.Errorf("inventory holds %+v, want api and web", got.Releases)
	}
	if cm, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(ctx, "berth-stack.guarded.prod", metav1.GetOptions{}); err != nil ||
		cm.Labels[stack.LabelStack] != "guarded" {
		t.Errorf("inventory ConfigMap: %v, labels %v", err, cm.GetLabels())
	}
}
