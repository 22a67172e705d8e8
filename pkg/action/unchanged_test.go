package action_test

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// applyRecorder records the objects berth sends with server-side apply.
type applyRecorder struct {
	mu      sync.Mutex
	applied []string
}

func (r *applyRecorder) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodPatch && req.Header.Get("Content-Type") == string(types.ApplyPatchType) {
			parts := strings.Split(req.URL.Path, "/")
			r.mu.Lock()
			r.applied = append(r.applied, parts[len(parts)-2]+"/"+parts[len(parts)-1])
			r.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

// take returns the objects applied since the last call, sorted.
func (r *applyRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.applied
	r.applied = nil
	sort.Strings(out)
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// recordingConfig is newConfig whose clients report their applies.
func recordingConfig(t *testing.T) (*action.Configuration, dynamic.Interface, *applyRecorder) {
	t.Helper()
	rec := &applyRecorder{}
	rc := testenv.Config(t)
	dyn := dynamic.NewForConfigOrDie(rc)
	rc.Wrap(rec.wrap)
	return configFromREST(t, rc, testenv.Namespace(t)), dyn, rec
}

// servicesChart renders ConfigMaps a and b and, with .Values.badService,
// a Service the API server refuses (applied after the ConfigMaps).
func servicesChart(t *testing.T) *chart.Chart {
	t.Helper()
	return writeChart(t, "svc", map[string]string{
		"values.yaml": "color: red\nbadService: false\n",
		"templates/cms.yaml": `{{- range list "a" "b" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ . }}
  labels: {tier: web}
data:
  color: {{ $.Values.color | quote }}
{{- end }}
{{- if .Values.badService }}
---
apiVersion: v1
kind: Service
metadata:
  name: bad
spec:
  ports: [{port: 0}]
{{- end }}
`,
	})
}

func configMapData(t *testing.T, dyn dynamic.Interface, ns, name string) (color, tier string) {
	t.Helper()
	obj := getObject(t, dyn, configMaps, ns, name)
	if obj == nil {
		t.Fatalf("ConfigMap %s is gone", name)
	}
	color, _, _ = unstructured.NestedString(obj.Object, "data", "color")
	return color, obj.GetLabels()["tier"]
}

// An upgrade or rollback sends only the objects whose apply would change
// something: the configuration differs from the last apply's, or berth's
// managed fields show that another client changed one of berth's fields,
// or the object is gone. Anything else is reported unchanged unsent.
func TestUpgradeSendsOnlyObjectsThatWouldChange(t *testing.T) {
	cfg, dyn, rec := recordingConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	c := servicesChart(t)
	force := false
	upgrade := func(values map[string]any) *kube.ChangeSet {
		t.Helper()
		opts := action.UpgradeOptions{Name: "web", Values: action.ValuesReset}
		opts.ForceConflicts = force
		_, cs, err := action.Upgrade(ctx, cfg, c, values, opts)
		if err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		return cs
	}
	both := []string{"configmaps/a", "configmaps/b"}

	rel, _, err := action.Install(ctx, cfg, c, nil, action.InstallOptions{Name: "web"})
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	if diff := cmp.Diff(both, rec.take()); diff != "" {
		t.Errorf("install applied (-want +got):\n%s", diff)
	}
	if len(rel.Applied) != 2 {
		t.Errorf("install recorded %d applied digests, want 2: %v", len(rel.Applied), rel.Applied)
	}

	diffUpgrade := func(values map[string]any) map[string]kube.DiffAction {
		t.Helper()
		opts := action.UpgradeOptions{Name: "web", Values: action.ValuesReset}
		opts.ForceConflicts = force
		res, err := action.DiffUpgrade(ctx, cfg, c, values, opts)
		if err != nil {
			t.Fatalf("diff upgrade: %v", err)
		}
		out := map[string]kube.DiffAction{}
		for _, d := range res.Objects {
			out[d.Ref.Name] = d.Action
		}
		return out
	}
	// The diff of a no-op upgrade asks the API server nothing either.
	if diff := cmp.Diff(map[string]kube.DiffAction{"a": kube.DiffUnchanged, "b": kube.DiffUnchanged}, diffUpgrade(nil)); diff != "" {
		t.Errorf("diff of a no-op upgrade (-want +got):\n%s", diff)
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("diff of a no-op upgrade dry-ran %v, want nothing", got)
	}

	cs := upgrade(nil)
	if got := rec.take(); len(got) != 0 {
		t.Errorf("no-op upgrade applied %v, want nothing", got)
	}
	for _, e := range cs.Entries {
		if e.Action != kube.ActionUnchanged {
			t.Errorf("no-op upgrade: %s, want unchanged", e)
		}
	}

	// New values: both change.
	upgrade(map[string]any{"color": "blue"})
	if diff := cmp.Diff(both, rec.take()); diff != "" {
		t.Errorf("changing upgrade applied (-want +got):\n%s", diff)
	}

	// Another client edits a field berth set on a (an update, as kubectl
	// edit does) and removes one from b (a JSON patch): the next upgrade
	// with the same values applies both again and, taking the edited field
	// back (--force-conflicts), restores them.
	a := getObject(t, dyn, configMaps, ns, "a")
	if err := unstructured.SetNestedField(a.Object, "green", "data", "color"); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(configMaps).Namespace(ns).Update(ctx, a, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(configMaps).Namespace(ns).Patch(ctx, "b", types.JSONPatchType,
		[]byte(`[{"op":"remove","path":"/metadata/labels/tier"}]`), metav1.PatchOptions{FieldManager: "kubectl-patch"}); err != nil {
		t.Fatal(err)
	}
	force = true
	if diff := cmp.Diff(map[string]kube.DiffAction{"a": kube.DiffChange, "b": kube.DiffChange}, diffUpgrade(map[string]any{"color": "blue"})); diff != "" {
		t.Errorf("diff after edits (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(both, rec.take()); diff != "" {
		t.Errorf("diff after edits dry-ran (-want +got):\n%s", diff)
	}
	cs = upgrade(map[string]any{"color": "blue"})
	force = false
	if diff := cmp.Diff(both, rec.take()); diff != "" {
		t.Errorf("upgrade after edits applied (-want +got):\n%s", diff)
	}
	for _, name := range []string{"a", "b"} {
		if color, tier := configMapData(t, dyn, ns, name); color != "blue" || tier != "web" {
			t.Errorf("ConfigMap %s after upgrade: color %q tier %q, want blue web", name, color, tier)
		}
	}
	if got := entryLines(cs); !strings.Contains(strings.Join(got, "\n"), "ConfigMap/"+ns+"/a configured") {
		t.Errorf("change set does not say a was configured:\n%s", cs)
	}

	// A field another client adds (not berth's) changes nothing berth
	// applies; a deleted object is created again.
	if _, err := dyn.Resource(configMaps).Namespace(ns).Patch(ctx, "a", types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"team":"x"}}}`), metav1.PatchOptions{FieldManager: "kubectl-label"}); err != nil {
		t.Fatal(err)
	}
	if err := dyn.Resource(configMaps).Namespace(ns).Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	upgrade(map[string]any{"color": "blue"})
	if diff := cmp.Diff([]string{"configmaps/b"}, rec.take()); diff != "" {
		t.Errorf("upgrade after a label and a deletion applied (-want +got):\n%s", diff)
	}
	if color, _ := configMapData(t, dyn, ns, "b"); color != "blue" {
		t.Errorf("b after upgrade: color %q, want blue", color)
	}

	// A failed upgrade changes a (its ConfigMaps apply before the Service
	// the API server refuses). Its applies are not recorded as deployed,
	// so the next upgrade, to the deployed revision's values, sends every
	// object and undoes the failed revision's change.
	_, _, err = action.Upgrade(ctx, cfg, c, map[string]any{"color": "pink", "badService": true},
		action.UpgradeOptions{Name: "web", Values: action.ValuesReset})
	if err == nil {
		t.Fatal("upgrade with an invalid Service succeeded")
	}
	rec.take()
	if color, _ := configMapData(t, dyn, ns, "a"); color != "pink" {
		t.Fatalf("failed upgrade left a's color %q, want pink (test premise)", color)
	}
	upgrade(map[string]any{"color": "blue"})
	if diff := cmp.Diff(both, rec.take()); diff != "" {
		t.Errorf("upgrade after a failed revision applied (-want +got):\n%s", diff)
	}
	for _, name := range []string{"a", "b"} {
		if color, _ := configMapData(t, dyn, ns, name); color != "blue" {
			t.Errorf("ConfigMap %s after upgrade: color %q, want blue", name, color)
		}
	}

	// A rollback to a revision with the same objects sends nothing; one to
	// other values sends what differs.
	history, err := cfg.Store.History(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	last := history[len(history)-1].Revision
	if _, _, err := action.Rollback(ctx, cfg, "web", action.RollbackOptions{Revision: last - 2}); err != nil {
		t.Fatalf("rollback to %d: %v", last-2, err)
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("rollback to a revision with the same objects applied %v, want nothing", got)
	}
	if _, _, err := action.Rollback(ctx, cfg, "web", action.RollbackOptions{Revision: 1}); err != nil {
		t.Fatalf("rollback to 1: %v", err)
	}
	if diff := cmp.Diff(both, rec.take()); diff != "" {
		t.Errorf("rollback to revision 1 applied (-want +got):\n%s", diff)
	}
	if color, _ := configMapData(t, dyn, ns, "a"); color != "red" {
		t.Errorf("a after rollback to 1: color %q, want red", color)
	}
	if got := statuses(t, cfg.Store, "web"); got[len(got)-1] != itoa(last+2)+":"+string(release.StatusDeployed) {
		t.Errorf("history %v does not end with revision %d deployed", got, last+2)
	}
}
