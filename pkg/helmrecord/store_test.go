package helmrecord_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/helmbin"
	"github.com/berth-sh/berth/pkg/helmrecord"
)

var chartFiles = map[string]string{
	"Chart.yaml":  "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: \"4.5\"\n",
	"values.yaml": "greeting: hello\n",
	"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
data:
  greeting: {{ .Values.greeting | quote }}
`,
	"templates/hook.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-hook
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-weight: "3"
data: {}
`,
	"templates/NOTES.txt": "Hello from {{ .Release.Name }}\n",
}

func kubeClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	c, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReadsWhatHelmWrote installs and upgrades a release with Helm 4 and
// Helm 3, with each driver, and reads the records back.
func TestReadsWhatHelmWrote(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	chart := helmbin.WriteChart(t, chartFiles)
	for _, helm := range []*helmbin.Helm{helmbin.V4(t, kubeconfig), helmbin.V3(t, kubeconfig)} {
		for _, driver := range []string{helmrecord.DriverSecret, helmrecord.DriverConfigMap} {
			t.Run(helm.Name+"/"+driver, func(t *testing.T) {
				ns := testenv.Namespace(t)
				h := helm.With("HELM_DRIVER=" + driver)
				h.Run(t, "install", "web", chart, "-n", ns, "--labels", "team=pay")
				h.Run(t, "upgrade", "web", chart, "-n", ns, "--set", "greeting=hi")
				store, err := helmrecord.New(kubeClient(t), driver, ns)
				if err != nil {
					t.Fatal(err)
				}
				history, err := store.History(context.Background(), "web")
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, rec := range history {
					r := rec.Release
					got = append(got, strings.Join([]string{rec.Object, r.Name, r.Namespace, r.Info.Status, r.Info.Description}, " "))
				}
				kind := store.Kind()
				want := []string{
					kind + "/" + ns + "/sh.helm.release.v1.web.v1 web " + ns + " superseded Install complete",
					kind + "/" + ns + "/sh.helm.release.v1.web.v2 web " + ns + " deployed Upgrade complete",
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("history (-want +got):\n%s", d)
				}
				last := history[1].Release
				if !strings.Contains(last.Manifest, `greeting: "hi"`) || last.Info.Notes != "Hello from web\n" {
					t.Errorf("manifest %q, notes %q", last.Manifest, last.Info.Notes)
				}
				if len(last.Hooks) != 1 || last.Hooks[0].Name != "web-hook" || last.Hooks[0].Weight != 3 ||
					!reflect.DeepEqual(last.Hooks[0].Events, []string{"pre-upgrade"}) || last.Hooks[0].LastRun.Phase != "Succeeded" {
					t.Errorf("hooks: %+v", last.Hooks)
				}
				if !reflect.DeepEqual(last.Labels, map[string]string{"team": "pay"}) {
					t.Errorf("labels %v, want team=pay", last.Labels)
				}
				var meta struct{ Name, Version, AppVersion string }
				if err := last.ChartField("metadata", &meta); err != nil || meta.Name != "demo" || meta.Version != "1.2.3" || meta.AppVersion != "4.5" {
					t.Errorf("chart metadata %+v, %v", meta, err)
				}
				var config map[string]any
				if err := json.Unmarshal(last.Config, &config); err != nil || config["greeting"] != "hi" {
					t.Errorf("config %s: %v", last.Config, err)
				}
				if last.Info.FirstDeployed.IsZero() || last.Info.LastDeployed.Before(last.Info.FirstDeployed) {
					t.Errorf("times: first %v last %v", last.Info.FirstDeployed, last.Info.LastDeployed)
				}
				for _, rec := range history {
					roundTrips(t, rec)
				}
			})
		}
	}
}

// roundTrips checks that encoding a decoded record gives back every field
// Helm wrote (zero times aside, which Helm 4 leaves out too).
func roundTrips(t *testing.T, rec *helmrecord.Record) {
	t.Helper()
	orig := rawRelease(t, rec)
	data, err := helmrecord.Encode(rec.Release)
	if err != nil {
		t.Fatal(err)
	}
	again, err := helmrecord.Decode([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(again)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(withoutZeroTimes(orig), withoutZeroTimes(generic(t, out))); d != "" {
		t.Errorf("%s: round trip (-helm +berth):\n%s", rec.Object, d)
	}
}

// rawRelease reads a record's JSON as written, through the API.
func rawRelease(t *testing.T, rec *helmrecord.Record) any {
	t.Helper()
	c := kubeClient(t)
	var data []byte
	if strings.HasPrefix(rec.Object, "ConfigMap/") {
		cm, err := c.CoreV1().ConfigMaps(rec.Namespace).Get(context.Background(), rec.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(cm.Data["release"])
	} else {
		s, err := c.CoreV1().Secrets(rec.Namespace).Get(context.Background(), rec.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data = s.Data["release"]
	}
	raw, err := helmrecord.DecodeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return generic(t, raw)
}

func generic(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// withoutZeroTimes drops time values that are zero ("" or year 1).
func withoutZeroTimes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if s, ok := x.(string); ok && (strings.HasSuffix(k, "_deployed") || k == "deleted" || strings.HasSuffix(k, "_at")) {
				if ts, err := time.Parse(time.RFC3339Nano, s); s == "" || (err == nil && ts.IsZero()) {
					continue
				}
			}
			out[k] = withoutZeroTimes(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = withoutZeroTimes(x)
		}
		return out
	}
	return v
}

// TestUnknownFieldsSurvive adds fields Helm may write one day at every
// level of a record Helm wrote and checks they come back.
func TestUnknownFieldsSurvive(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t)
	helmbin.V4(t, kubeconfig).Run(t, "install", "web", helmbin.WriteChart(t, chartFiles), "-n", ns)
	helmbin.V4(t, kubeconfig).Run(t, "upgrade", "web", helmbin.WriteChart(t, chartFiles), "-n", ns)
	store, _ := helmrecord.New(kubeClient(t), "", ns)
	history, err := store.History(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	raw := rawRelease(t, history[1]).(map[string]any)
	raw["future"] = map[string]any{"a": 1.0}
	raw["info"].(map[string]any)["future_info"] = "x"
	hook := raw["hooks"].([]any)[0].(map[string]any)
	hook["output_log_policies"] = []any{"hook-failed"}
	hook["last_run"].(map[string]any)["future_run"] = true
	b, _ := json.Marshal(raw)
	var rel helmrecord.Release
	if err := json.Unmarshal(b, &rel); err != nil {
		t.Fatal(err)
	}
	rel.Info.Status = helmrecord.StatusSuperseded // a known field changed
	out, err := json.Marshal(&rel)
	if err != nil {
		t.Fatal(err)
	}
	raw["info"].(map[string]any)["status"] = "superseded"
	if d := cmp.Diff(withoutZeroTimes(raw), withoutZeroTimes(generic(t, out))); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// TestCorruptRecordNamesIt breaks one record of a release Helm wrote in
// several ways; History fails naming the Secret.
func TestCorruptRecordNamesIt(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	chart := helmbin.WriteChart(t, chartFiles)
	c := kubeClient(t)
	good, _ := helmrecord.Encode(&helmrecord.Release{Name: "other", Version: 2, Info: helmrecord.Info{Status: "deployed"}})
	for name, data := range map[string]string{
		"not base64":    "%%%",
		"truncated":     "H4sIAAAAAAAC/6pWyk", // a gzip stream cut short
		"not JSON":      "bm90IGpzb24=",
		"other release": good,
	} {
		t.Run(name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			helmbin.V4(t, kubeconfig).Run(t, "install", "web", chart, "-n", ns)
			s, err := c.CoreV1().Secrets(ns).Get(context.Background(), "sh.helm.release.v1.web.v1", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s.Data = map[string][]byte{"release": []byte(data)}
			if _, err := c.CoreV1().Secrets(ns).Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			store, _ := helmrecord.New(c, helmrecord.DriverSecret, ns)
			_, err = store.History(context.Background(), "web")
			if !errors.Is(err, helmrecord.ErrCorrupt) || !strings.Contains(err.Error(), "Secret/"+ns+"/sh.helm.release.v1.web.v1") {
				t.Errorf("History error = %v, want ErrCorrupt naming the Secret", err)
			}
		})
	}
}

// TestCreateWritesWhatHelmReads writes a record with Create and reads it
// with helm history and helm get values.
func TestCreateWritesWhatHelmReads(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t)
	c := kubeClient(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	rel := &helmrecord.Release{
		Name: "web", Namespace: ns, Version: 1,
		Info:     helmrecord.Info{Status: "deployed", Description: "Imported", FirstDeployed: now, LastDeployed: now},
		Chart:    json.RawMessage(`{"metadata":{"name":"demo","version":"1.2.3","apiVersion":"v2"},"values":{"a":1}}`),
		Config:   json.RawMessage(`{"b":2}`),
		Manifest: "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
	}
	for _, driver := range []string{helmrecord.DriverSecret, helmrecord.DriverConfigMap} {
		store, _ := helmrecord.New(c, driver, ns)
		p, err := helmrecord.Prepare(rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Create(context.Background(), p, now); err != nil {
			t.Fatal(err)
		}
		h := helmbin.V4(t, kubeconfig).With("HELM_DRIVER=" + driver)
		out := h.Run(t, "history", "web", "-n", ns)
		if !strings.Contains(out, "deployed") || !strings.Contains(out, "demo-1.2.3") || !strings.Contains(out, "Imported") {
			t.Errorf("%s: helm history:\n%s", driver, out)
		}
		if out := h.Run(t, "get", "values", "web", "-n", ns, "-o", "json"); strings.TrimSpace(out) != `{"b":2}` {
			t.Errorf("%s: helm get values: %s", driver, out)
		}
		if driver == helmrecord.DriverSecret {
			if err := c.CoreV1().Secrets(ns).Delete(context.Background(), "sh.helm.release.v1.web.v1", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPrepareRefusesOverOneMiB checks the size limit with a manifest that
// does not compress.
func TestPrepareRefusesOverOneMiB(t *testing.T) {
	var b strings.Builder
	seed := uint64(1)
	for b.Len() < 1200<<10 {
		seed = seed*6364136223846793005 + 1442695040888963407
		b.WriteByte(byte('a' + seed>>59))
	}
	_, err := helmrecord.Prepare(&helmrecord.Release{Name: "big", Version: 7, Info: helmrecord.Info{Status: "deployed"}, Manifest: b.String()})
	var size *helmrecord.SizeError
	if !errors.As(err, &size) || !errors.Is(err, helmrecord.ErrTooLarge) || size.Size <= helmrecord.MaxRecordSize ||
		!strings.Contains(err.Error(), "revision 7 of release \"big\"") {
		t.Fatalf("Prepare error = %v, want a SizeError for revision 7", err)
	}
}
