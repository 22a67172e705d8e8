package stack_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/internal/cli"
	"github.com/berth-sh/berth/internal/testenv"
)

// TestMain runs the tests against a real kube-apiserver.
func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

const chartTemplate = `apiVersion: v1
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
`

// writeStack writes a stack directory: charts/cm and berth.yaml with
// body after the apiVersion, kind and metadata lines.
func writeStack(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"charts/cm/Chart.yaml":        "apiVersion: v2\nname: cm\nversion: 0.1.0\n",
		"charts/cm/values.yaml":       "color: red\nfail: false\n",
		"charts/cm/templates/cm.yaml": chartTemplate,
		"berth.yaml":                  "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: shop}\n" + body,
	}
	for path, content := range files {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// twoContexts writes a kubeconfig with contexts stg and prd, both of the
// test cluster.
func twoContexts(t *testing.T) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(testenv.Kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	current := cfg.Contexts[cfg.CurrentContext]
	cfg.Contexts["stg"], cfg.Contexts["prd"] = current.DeepCopy(), current.DeepCopy()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// berth runs berth in dir and returns its exit code, stdout and stderr.
func berth(t *testing.T, dir, kubeconfig string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	args = append([]string{"--kubeconfig", kubeconfig}, args...)
	code := cli.Run(t.Context(), args, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestStackApplyAcrossEnvironments(t *testing.T) {
	stg, prd := testenv.Namespace(t), testenv.Namespace(t)
	dir := writeStack(t, `environments:
  staging: {kubeContext: stg, namespace: `+stg+`}
  prod: {kubeContext: prd, namespace: `+prd+`}
releases:
  - {name: db, chart: ./charts/cm}
  - name: api
    chart: ./charts/cm
    needs: [{release: db}]
    environments: {prod: {set: {color: green}}}
`)
	kc := twoContexts(t)
	code, out, errOut := berth(t, dir, kc, "stack", "apply", "-e", "staging,prod", "-o", "json")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	var doc struct {
		Environments []struct {
			Environment string `json:"environment"`
			Releases    []struct {
				Name, Outcome string
			} `json:"releases"`
		} `json:"environments"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("apply -o json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, env := range doc.Environments {
		for _, r := range env.Releases {
			got[env.Environment+"/"+r.Name] = r.Outcome
		}
	}
	want := map[string]string{"staging/db": "succeeded", "staging/api": "succeeded", "prod/db": "succeeded", "prod/api": "succeeded"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	// NDJSON events on stderr, one per line.
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stderr line is not JSON: %q", line)
		}
	}
	client := kubernetes.NewForConfigOrDie(testenv.Config(t))
	cm, err := client.CoreV1().ConfigMaps(prd).Get(t.Context(), "api", metav1.GetOptions{})
	if err != nil || cm.Data["color"] != "green" {
		t.Errorf("prod api = %v, %v; want color green", cm.Data, err)
	}
	code, out, _ = berth(t, dir, kc, "stack", "plan", "-e", "staging,prod", "--detailed-exitcode")
	if code != 0 || !strings.Contains(out, "Plan prod: 2 unchanged") {
		t.Errorf("plan after apply: exit %d\n%s", code, out)
	}
	code, out, _ = berth(t, dir, kc, "stack", "plan", "-e", "prod", "--detailed-exitcode", "--set", "api.color=blue")
	if code != 2 || !strings.Contains(out, `+  color: blue`) {
		t.Errorf("plan with --set: exit %d, want 2 and the diff\n%s", code, out)
	}
}

func TestStackApplyFailureExit3(t *testing.T) {
	ns := testenv.Namespace(t)
	dir := writeStack(t, `defaults: {namespace: `+ns+`, timeout: 20s}
releases:
  - {name: db, chart: ./charts/cm, set: {fail: true}}
  - {name: api, chart: ./charts/cm, needs: [{release: db}]}
  - {name: other, chart: ./charts/cm}
`)
	code, out, errOut := berth(t, dir, testenv.Kubeconfig(t), "stack", "apply", "--keep-going")
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"db       " + ns + "  failed", "api      " + ns + "  skipped", "blocked by db", "other    " + ns + "  succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestStackCommandErrors(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	tests := []struct {
		name, body string
		args       []string
		code       int
		want       string
	}{
		{
			"unknown field", "releases:\n  - {name: a, chart: ./charts/cm, value: [x]}\n",
			[]string{"stack", "plan"},
			1,
			`berth.yaml:5:35: releases[0].value: unknown field "value"`,
		},
		{
			"cycle", "releases:\n  - {name: a, chart: ./charts/cm, needs: [{release: b}]}\n  - {name: b, chart: ./charts/cm, needs: [{release: a}]}\n",
			[]string{"stack", "graph"},
			1, "needs form a cycle: a -> b -> a",
		},
		{"environment needed", "environments: {dev: {}}\nreleases: []\n", []string{"stack", "plan"}, 2, "choose with -e (dev)"},
		{
			"set of no release", "releases:\n  - {name: a, chart: ./charts/cm}\n",
			[]string{"stack", "plan", "--set", "b.x=1"},
			2,
			`"b" is not a release of berth.yaml`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeStack(t, tt.body)
			code, out, errOut := berth(t, dir, kc, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

func TestStackExplain(t *testing.T) {
	dir := writeStack(t, `environments: {prod: {values: [prod.yaml]}}
releases:
  - {name: api, chart: ./charts/cm, environments: {prod: {set: {color: green}}}}
`)
	if err := os.WriteFile(filepath.Join(dir, "prod.yaml"), []byte("color: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := berth(t, dir, testenv.Kubeconfig(t), "stack", "plan", "-e", "prod", "--explain", "api.color", "--set", "api.color=pink")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	// Lowest precedence first, each layer with its value; the last wins.
	rest := out
	for _, w := range []string{"chart defaults", "red", "environments.prod.values", "blue", "releases.api.environments.prod.set", "green", "command line (wins)", "pink"} {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("explain lacks %q after the layers before it:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}
