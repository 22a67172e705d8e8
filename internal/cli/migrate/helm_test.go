package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/cli"
	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/helmbin"
	"github.com/berth-sh/berth/internal/testenv/repo"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// webChart is a chart whose values add a label and a container port, and
// whose pre-upgrade hook the API server refuses when breakHook is set.
func webChart(t *testing.T) string {
	t.Helper()
	return helmbin.WriteChart(t, map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.0\"\n",
		"values.yaml": "greeting: hello\ntierLabel: true\nmetricsPort: true\nbreakHook: false\n",
		"templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
{{- if .Values.tierLabel }}
    tier: front
{{- end }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: GREETING
          value: {{ .Values.greeting | quote }}
        ports:
        - name: http
          containerPort: 80
{{- if .Values.metricsPort }}
        - name: metrics
          containerPort: 9090
{{- end }}
`,
		"templates/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
`,
		"templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: {{ .Values.greeting | quote }}
`,
		"templates/hook.yaml": `{{- if .Values.breakHook }}
apiVersion: v1
kind: Pod
metadata:
  name: web-check
  annotations:
    helm.sh/hook: pre-upgrade
spec:
  containers: []
{{- end }}
`,
		"templates/NOTES.txt": "web says {{ .Values.greeting }}\n",
	})
}

// berth runs berth in-process and returns stdout, stderr and the exit code.
func berth(t *testing.T, kubeconfig string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := cli.Run(ctx, append(args, "--kubeconfig", kubeconfig), cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

// mustBerth runs berth and fails the test unless it exits 0.
func mustBerth(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	out, errOut, code := berth(t, kubeconfig, args...)
	if code != 0 {
		t.Fatalf("berth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func kubectl(t *testing.T, kubeconfig string, args ...string) {
	t.Helper()
	dir, err := repo.BinDir()
	if err == nil {
		err = repo.Require(dir, "kubectl")
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(dir, "kubectl"), append(args, "--kubeconfig", kubeconfig)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

var (
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	services    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	configmaps  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

func get(t *testing.T, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	t.Helper()
	c, err := dynamic.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := c.Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// managers returns "manager/operation" of every managedFields entry.
func managers(obj *unstructured.Unstructured) []string {
	var out []string
	for _, e := range obj.GetManagedFields() {
		out = append(out, e.Manager+"/"+string(e.Operation))
	}
	return out
}

// noHelmFields fails when helm owns a field of the release's objects.
func noHelmFields(t *testing.T, ns, when string) {
	t.Helper()
	for _, o := range []struct {
		gvr  schema.GroupVersionResource
		name string
	}{{deployments, "web"}, {services, "web"}, {configmaps, "web-config"}} {
		obj := get(t, o.gvr, ns, o.name)
		for _, m := range managers(obj) {
			if strings.HasPrefix(m, "helm/") {
				t.Errorf("%s: %s/%s is still owned by %s (managers %v)", when, obj.GetKind(), o.name, m, managers(obj))
			}
		}
	}
}

type historyRow struct {
	Revision int    `json:"revision"`
	Status   string `json:"status"`
}

// helmHistory returns the revisions and statuses helm history lists.
func helmHistory(t *testing.T, h *helmbin.Helm, ns string) []historyRow {
	t.Helper()
	var rows []historyRow
	if err := json.Unmarshal([]byte(h.Run(t, "history", "web", "-n", ns, "-o", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestHelmRoundTrip is the migration of issue 14, for Helm 4 with
// server-side apply, Helm 4 with --server-side=false and Helm 3: a release
// with an upgrade, a failed upgrade and a rollback, and a field kubectl
// added in between, is imported, upgraded, rolled back and exported back.
func TestHelmRoundTrip(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	for _, mode := range []struct {
		name  string
		helm  func() *helmbin.Helm
		flags []string
	}{
		{"helm4-ssa", func() *helmbin.Helm { return helmbin.V4(t, kubeconfig) }, nil},
		{"helm4-csa", func() *helmbin.Helm { return helmbin.V4(t, kubeconfig) }, []string{"--server-side=false"}},
		{"helm3", func() *helmbin.Helm { return helmbin.V3(t, kubeconfig) }, nil},
	} {
		t.Run(mode.name, func(t *testing.T) {
			helm, chart, ns := mode.helm(), webChart(t), testenv.Namespace(t)
			run := func(args ...string) string { return helm.Run(t, append(append(args, "-n", ns), mode.flags...)...) }
			run("install", "web", chart, "--set", "greeting=one")
			run("upgrade", "web", chart, "--set", "greeting=two")
			kubectl(t, kubeconfig, "annotate", "deployment", "web", "-n", ns, "example.com/note=by-kubectl")
			if out, err := helm.Try(append([]string{"upgrade", "web", chart, "-n", ns, "--set", "greeting=three", "--set", "breakHook=true"}, mode.flags...)...); err == nil {
				t.Fatalf("the upgrade with a broken hook succeeded:\n%s", out)
			}
			run("rollback", "web", "2")
			before := helmHistory(t, helm, ns)
			wantStatuses := []historyRow{{1, "superseded"}, {2, "superseded"}, {3, "failed"}, {4, "deployed"}}
			if d := cmp.Diff(wantStatuses, before); d != "" {
				t.Fatalf("helm history before the import (-want +got):\n%s", d)
			}

			untouched := snapshot(t, ns, true)
			out := mustBerth(t, kubeconfig, "import", "helm", "web", "-n", ns, "--dry-run")
			if !strings.Contains(out, "would be imported; the next apply changes nothing") {
				t.Errorf("import --dry-run output:\n%s", out)
			}
			if d := cmp.Diff(untouched, snapshot(t, ns, true)); d != "" {
				t.Errorf("import --dry-run wrote (-before +after):\n%s", d)
			}
			out = mustBerth(t, kubeconfig, "import", "helm", "web", "-n", ns)
			if !strings.Contains(out, "imported; the next apply changes nothing") {
				t.Errorf("import output:\n%s", out)
			}
			noHelmFields(t, ns, "after the import")
			var got []historyRow
			if err := json.Unmarshal([]byte(mustBerth(t, kubeconfig, "history", "web", "-n", ns, "-o", "json")), &got); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(before, got); d != "" {
				t.Errorf("berth history after the import (-helm +berth):\n%s", d)
			}
			if out, _, code := berth(t, kubeconfig, "diff", "upgrade", "web", chart, "-n", ns, "--set", "greeting=two", "--detailed-exitcode"); code != 0 {
				t.Errorf("diff upgrade with the same chart and values: exit %d\n%s", code, out)
			}
			drift, _, code := berth(t, kubeconfig, "drift", "web", "-n", ns, "-o", "json")
			if code != 2 || strings.Count(drift, `"kind"`) != 1 || !strings.Contains(drift, "example.com/note") || !strings.Contains(drift, `"manager": "kubectl-annotate"`) {
				t.Errorf("drift: exit %d, want 2 with one field, kubectl's annotation attributed to kubectl:\n%s", code, drift)
			}

			mustBerth(t, kubeconfig, "upgrade", "web", chart, "-n", ns, "--set", "greeting=two",
				"--set", "tierLabel=false", "--set", "metricsPort=false", "--wait=false")
			dep := get(t, deployments, ns, "web")
			if _, ok := dep.GetLabels()["tier"]; ok {
				t.Errorf("the upgrade left label tier: %v", dep.GetLabels())
			}
			if ports, _ := json.Marshal(dep.Object["spec"].(map[string]any)["template"]); strings.Contains(string(ports), "9090") {
				t.Errorf("the upgrade left container port 9090: %s", ports)
			}
			if dep.GetAnnotations()["example.com/note"] != "by-kubectl" {
				t.Errorf("the upgrade removed kubectl's annotation: %v", dep.GetAnnotations())
			}
			noHelmFields(t, ns, "after berth upgrade")

			mustBerth(t, kubeconfig, "rollback", "web", "2", "-n", ns, "--wait=false")
			if dep := get(t, deployments, ns, "web"); dep.GetLabels()["tier"] != "front" {
				t.Errorf("rollback to imported revision 2 did not bring label tier back: %v", dep.GetLabels())
			}

			mustBerth(t, kubeconfig, "export", "helm", "web", "-n", ns)
			if _, _, code := berth(t, kubeconfig, "history", "web", "-n", ns); code == 0 {
				t.Errorf("berth still has records of web after the export")
			}
			wantStatuses = append(wantStatuses[:3], historyRow{4, "superseded"}, historyRow{5, "superseded"}, historyRow{6, "deployed"})
			if d := cmp.Diff(wantStatuses, helmHistory(t, helm, ns)); d != "" {
				t.Errorf("helm history after the export (-want +got):\n%s", d)
			}
			helm.Run(t, "upgrade", "web", chart, "-n", ns, "--set", "greeting=four")
			helm.Run(t, "rollback", "web", "5", "-n", ns)
			final := helmHistory(t, helm, ns)
			if n := len(final); n != 8 || final[n-1].Status != "deployed" {
				t.Errorf("helm history after helm upgrade and rollback: %+v", final)
			}
			if dep := get(t, deployments, ns, "web"); dep.GetLabels()["tier"] != "" {
				t.Errorf("helm rollback to berth's revision 5 kept label tier: %v", dep.GetLabels())
			}
		})
	}
}

// TestNoSilentDuplicates: install and upgrade refuse a release that only
// Helm's records hold, and list shows it as helm until it is imported.
func TestNoSilentDuplicates(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	ns, chart := testenv.Namespace(t), webChart(t)
	helmbin.V4(t, kubeconfig).Run(t, "install", "web", chart, "-n", ns)
	want := "release web is managed by Helm; run `berth import helm web`"
	for _, args := range [][]string{
		{"install", "web", chart},
		{"upgrade", "web", chart},
		{"upgrade", "--install", "web", chart},
		{"install", "web", chart, "--dry-run=server"},
	} {
		_, errOut, code := berth(t, kubeconfig, append(args, "-n", ns, "--wait=false")...)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("berth %v: exit %d, want 1 and %q:\n%s", args, code, want, errOut)
		}
	}
	var rows []historyRow
	out := mustBerth(t, kubeconfig, "list", "-n", ns, "-o", "json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0].Status != "helm" {
		t.Errorf("list before the import: %v\n%s", err, out)
	}
	if table := mustBerth(t, kubeconfig, "list", "-n", ns); !strings.Contains(table, " helm ") {
		t.Errorf("list table before the import:\n%s", table)
	}
	mustBerth(t, kubeconfig, "import", "helm", "--all", "-n", ns)
	out = mustBerth(t, kubeconfig, "list", "-n", ns, "-o", "json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0].Status != "deployed" {
		t.Errorf("list after the import: %v\n%s", err, out)
	}
	mustBerth(t, kubeconfig, "upgrade", "web", chart, "-n", ns, "--wait=false")
}

// TestImportConfigMapDriver imports a release Helm 3 keeps in ConfigMaps.
func TestImportConfigMapDriver(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	ns, chart := testenv.Namespace(t), webChart(t)
	h := helmbin.V3(t, kubeconfig).With("HELM_DRIVER=configmap")
	h.Run(t, "install", "web", chart, "-n", ns)
	h.Run(t, "upgrade", "web", chart, "-n", ns, "--set", "greeting=two")
	if _, errOut, code := berth(t, kubeconfig, "import", "helm", "web", "-n", ns); code != 1 || !strings.Contains(errOut, "--helm-storage configmap") {
		t.Errorf("import from Secrets of a ConfigMap release: exit %d\n%s", code, errOut)
	}
	mustBerth(t, kubeconfig, "import", "helm", "web", "-n", ns, "--helm-storage", "configmap")
	noHelmFields(t, ns, "after the import")
	if out := mustBerth(t, kubeconfig, "get", "values", "web", "-n", ns); !strings.Contains(out, "greeting: two") {
		t.Errorf("get values after the import:\n%s", out)
	}
	if out, err := h.Try("history", "web", "-n", ns); err == nil {
		t.Errorf("helm still lists the release after the import:\n%s", out)
	}

	before := snapshot(t, ns, true)
	out := mustBerth(t, kubeconfig, "export", "helm", "web", "-n", ns, "--helm-storage", "configmap", "--dry-run")
	if !strings.Contains(out, "2 Helm records would be written, field ownership of 3 objects moved to helm") {
		t.Errorf("export --dry-run output:\n%s", out)
	}
	if d := cmp.Diff(before, snapshot(t, ns, true)); d != "" {
		t.Errorf("export --dry-run wrote (-before +after):\n%s", d)
	}
	mustBerth(t, kubeconfig, "export", "helm", "web", "-n", ns, "--helm-storage", "configmap")
	if out := h.Run(t, "get", "values", "web", "-n", ns); !strings.Contains(out, "greeting: two") {
		t.Errorf("helm get values after the export:\n%s", out)
	}
	h.Run(t, "upgrade", "web", chart, "-n", ns, "--reuse-values")
}
