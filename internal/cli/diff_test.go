package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

// secretChart writes a chart of a ConfigMap (color), an optional second
// ConfigMap (second) and a Secret (token).
func secretChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "web")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 1.2.3\n",
		"values.yaml": "color: red\nsecond: true\ntoken: ''\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-first
data:
  color: {{ .Values.color | quote }}
{{- if .Values.second }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-second
{{- end }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-token
stringData:
  token: {{ .Values.token | quote }}
`,
	}
	tree.Write(t, dir, files)
	return dir
}

// Secret values of the tests; no output may show them, encoded or not.
const (
	firstToken  = "s3cr3t-first-value"
	secondToken = "s3cr3t-second-value"
)

// outputs collects every stdout and stderr of a test, to check that no
// secret leaks into any of them.
type outputs []string

func (o *outputs) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr = run(t, args...)
	*o = append(*o, stdout, stderr)
	return code, stdout, stderr
}

func (o outputs) checkNoSecrets(t *testing.T) {
	t.Helper()
	for _, out := range o {
		for _, secret := range []string{firstToken, secondToken, "czNjcjN0"} {
			if strings.Contains(out, secret) {
				t.Errorf("output shows secret %q:\n%s", secret, out)
			}
		}
	}
}

func TestDiffCommands(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	chartDir := secretChart(t)
	var outs outputs
	defer func() { outs.checkNoSecrets(t) }()
	with := func(args ...string) []string { return append(args, conn...) }

	code, out, stderr := outs.run(t, with("diff", "install", "web", chartDir, "--set", "token="+firstToken, "--detailed-exitcode")...)
	if code != ExitChanges || !strings.HasSuffix(out, "0 to change, 3 to create, 0 to delete, 0 unchanged\n") {
		t.Errorf("diff install: exit %d, stdout:\n%s\nstderr: %s", code, out, stderr)
	}
	if !strings.Contains(out, "+data:\n+  token: (sensitive, 18 bytes)\n") {
		t.Errorf("diff install does not show the masked Secret:\n%s", out)
	}
	outs.run(t, with("install", "web", chartDir, "--set", "token="+firstToken)...)

	code, out, _ = outs.run(t, with("diff", "upgrade", "web", chartDir, "--detailed-exitcode")...)
	if code != ExitOK || out != "No changes: 3 unchanged\n" {
		t.Errorf("diff upgrade without changes: exit %d, stdout:\n%s", code, out)
	}
	args := with("diff", "upgrade", "web", chartDir, "--set", "color=blue,second=false,token="+secondToken)
	code, out, _ = outs.run(t, append(args, "-o", "json")...)
	if code != ExitOK {
		t.Fatalf("diff upgrade -o json: exit %d", code)
	}
	checkGolden(t, "testdata/diff/upgrade.json", strings.ReplaceAll(out, ns, "NAMESPACE"))
	code, out, _ = outs.run(t, args...)
	if code != ExitOK || !strings.Contains(out, "-  color: red\n+  color: blue\n") ||
		!strings.Contains(out, "+  token: (sensitive, 19 bytes, changed)") {
		t.Errorf("diff upgrade text: exit %d\n%s", code, out)
	}
	code, _, stderr = outs.run(t, with("diff", "rollback", "web")...)
	if code != ExitError || !strings.Contains(stderr, "no revision to roll back to") {
		t.Errorf("diff rollback of one revision: exit %d, stderr %q", code, stderr)
	}
	outs.run(t, with("upgrade", "web", chartDir, "--set", "color=blue,second=false,token="+secondToken)...)
	code, out, _ = outs.run(t, with("diff", "rollback", "web", "1", "--detailed-exitcode")...)
	if code != ExitChanges || !strings.HasSuffix(out, "2 to change, 1 to create, 0 to delete, 0 unchanged\n") {
		t.Errorf("diff rollback: exit %d\n%s", code, out)
	}
}

// checkGolden compares got with a golden file, rewritten with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update): %v", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}

var configMapResource = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// editConfigMap sets a data key of a ConfigMap with field manager
// kubectl-edit, as kubectl edit would.
func editConfigMap(t *testing.T, ns, name, key, value string) {
	t.Helper()
	client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(configMapResource).Namespace(ns)
	cm, err := client.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := cm.Object["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	data[key] = value
	cm.Object["data"] = data
	if _, err := client.Update(t.Context(), cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
}

func TestDiffUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"diff", "web", "./chart"}, "Use berth diff install, berth diff upgrade or berth diff rollback"},
		{[]string{"diff", "upgrade", "web"}, `"berth diff upgrade" needs NAME CHART; missing CHART`},
		{[]string{"diff", "rollback", "web", "x"}, `invalid REVISION "x"`},
		{[]string{"upgrade", "web"}, "missing CHART (or --plan FILE)"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, stdout, stderr, ExitUsage, tt.want)
			}
		})
	}
}
