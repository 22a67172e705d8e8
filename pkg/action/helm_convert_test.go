package action

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/pkg/helmrecord"
	"github.com/berth-sh/berth/pkg/release"
)

// helmJSON is a record as Helm 4 writes it, with fields berth does not
// know at each level.
const helmJSON = `{"name":"web","namespace":"shop","version":3,"apply_method":"csa",
"info":{"first_deployed":"2026-01-02T03:04:05Z","last_deployed":"2026-01-03T03:04:05Z","description":"Upgrade complete",
  "status":"deployed","notes":"hi","resources":{"v1/Pod":[]}},
"chart":{"metadata":{"name":"web","version":"1.0.0","appVersion":"2"},"values":{"replicas":1,"image":{"tag":"a"}},
  "templates":[{"name":"templates/x.yaml","data":"eA=="}],"future":true},
"config":{"image":{"tag":"b"}},
"manifest":"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
"hooks":[{"name":"h","kind":"Job","path":"web/templates/h.yaml","manifest":"m","events":["pre-upgrade"],
  "last_run":{"started_at":"2026-01-03T03:04:05Z","phase":"Succeeded"},"weight":2,"delete_policies":["hook-succeeded"],
  "output_log_policies":["hook-failed"]}],
"future_top":{"x":[1,2]}}`

func TestFromHelmToHelm(t *testing.T) {
	h, err := decodeHelm(helmJSON)
	if err != nil {
		t.Fatal(err)
	}
	rec := &helmrecord.Record{Object: "Secret/shop/sh.helm.release.v1.web.v3", Namespace: "shop", Release: h}
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	rel, err := fromHelm(rec, at)
	if err != nil {
		t.Fatal(err)
	}
	want := &release.Release{
		Name: "web", Namespace: "shop", Revision: 3, Status: release.StatusDeployed, Description: "Upgrade complete",
		Values: map[string]any{"image": map[string]any{"tag": "b"}},
		Config: map[string]any{"image": map[string]any{"tag": "b"}, "replicas": 1.0},
		Notes:  "hi", Manifest: "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
		FirstDeployed: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastDeployed: time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC),
		Hooks: []*release.Hook{{
			Name: "h", Kind: "Job", Path: "web/templates/h.yaml", Manifest: "m", Events: []release.HookEvent{release.HookPreUpgrade},
			Weight: 2, DeletePolicies: []release.HookDeletePolicy{release.HookSucceeded},
			LastRun: release.HookExecution{StartedAt: time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC), Phase: release.HookPhaseSucceeded},
		}},
	}
	if d := cmp.Diff(want, rel, cmpopts.IgnoreFields(release.Release{}, "Chart", "Imported")); d != "" {
		t.Errorf("fromHelm (-want +got):\n%s", d)
	}
	if rel.Chart.Name != "web" || rel.Chart.Version != "1.0.0" || rel.Chart.AppVersion != "2" ||
		rel.Imported.From != "helm" || rel.Imported.Record != rec.Object || !rel.Imported.At.Equal(at) {
		t.Errorf("chart %+v, imported %+v", rel.Chart, rel.Imported)
	}

	// What berth changed is written back; everything else as Helm had it.
	rel.Status, rel.Description = release.StatusSuperseded, "Superseded by berth"
	back, err := toHelm(rel)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(back)
	var wantDoc, gotDoc map[string]any
	_ = json.Unmarshal([]byte(helmJSON), &wantDoc)
	_ = json.Unmarshal(got, &gotDoc)
	info := wantDoc["info"].(map[string]any)
	info["status"], info["description"] = "superseded", "Superseded by berth"
	wantDoc["apply_method"] = "ssa"
	if d := cmp.Diff(wantDoc, gotDoc); d != "" {
		t.Errorf("toHelm of an imported revision (-want +got):\n%s", d)
	}
}

func TestToHelmOfBerthRevision(t *testing.T) {
	rel := &release.Release{
		Name: "web", Namespace: "shop", Revision: 5, Status: release.StatusDeployed, Description: "Upgrade complete",
		Values: map[string]any{"a": 1.0}, Config: map[string]any{"a": 1.0, "b": 2.0}, Manifest: "m", Notes: "n",
		Hooks: []*release.Hook{{Name: "h", Kind: "Pod", Events: []release.HookEvent{release.HookTest}}},
	}
	h, err := toHelm(rel)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(h)
	for _, want := range []string{
		`"config":{"a":1}`, `"values":{"a":1,"b":2}`, `"apply_method":"ssa"`, `"status":"deployed"`,
		`"events":["test"]`, `"version":5`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("toHelm lacks %s:\n%s", want, got)
		}
	}
}

func TestRewriteAPIs(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper([]schema.GroupVersion{{Group: "apps", Version: "v1"}, {Group: "autoscaling", Version: "v2"}, {Version: "v1"}})
	mapper.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	mapper.Add(schema.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}, meta.RESTScopeNamespace)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	manifest := "---\n# Source: a.yaml\napiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  x: 1\n" +
		"---\napiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n" +
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n" +
		"---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\n"
	got, rewrites, err := rewriteAPIs(mapper, 2, manifest)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("apiVersion: extensions/v1beta1", "apiVersion: apps/v1",
		"apiVersion: autoscaling/v2beta2", "apiVersion: autoscaling/v2").Replace(manifest)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("manifest (-want +got):\n%s", d)
	}
	wantRW := []APIRewrite{
		{Revision: 2, Object: "Deployment/d", From: "extensions/v1beta1", To: "apps/v1"},
		{Revision: 2, Object: "HorizontalPodAutoscaler/h", From: "autoscaling/v2beta2", To: "autoscaling/v2"},
		{Revision: 2, Object: "PodSecurityPolicy/p", From: "policy/v1beta1"},
	}
	if d := cmp.Diff(wantRW, rewrites); d != "" {
		t.Errorf("rewrites (-want +got):\n%s", d)
	}
}

func decodeHelm(s string) (*helmrecord.Release, error) {
	var h helmrecord.Release
	return &h, json.Unmarshal([]byte(s), &h)
}
