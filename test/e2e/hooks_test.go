//go:build e2e

package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-sh/berth/internal/testenv/tree"
)

// hookedChart writes a chart of a ConfigMap, a pre-install Job hook that
// the Job controller and kwok complete, a test Job and, when
// .Values.stuckHook is set, a post-install bare Pod hook that kwok keeps
// running forever.
func hookedChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hooked")
	job := func(name, event string) string {
		return `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-` + name + `
  annotations: {helm.sh/hook: ` + event + `, helm.sh/hook-delete-policy: before-hook-creation}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
`
	}
	files := map[string]string{
		"Chart.yaml":               "apiVersion: v2\nname: hooked\nversion: 0.1.0\n",
		"values.yaml":              "stuckHook: false\n",
		"templates/cm.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n",
		"templates/migrate.yaml":   job("migrate", "pre-install"),
		"templates/tests/job.yaml": job("smoke", "test"),
		"templates/stuck.yaml": `{{- if .Values.stuckHook }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-stuck
  annotations: {helm.sh/hook: post-install}
spec:
  containers: [{name: main, image: registry.k8s.io/pause:3.10}]
{{- end }}
`,
	}
	tree.Write(t, dir, files)
	return dir
}

// TestHooksAndTests: a pre-install Job hook runs to completion on the
// cluster before the install is recorded deployed, and berth test runs
// the test Job and exits 0.
func TestHooksAndTests(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	conn := []string{"--kubeconfig", kubeconfigPath(t), "-n", ns}
	dir := t.TempDir()
	out := mustBerth(t, dir, "", append([]string{"install", "web", hookedChart(t), "--timeout", "60s"}, conn...)...)
	if !strings.Contains(out, "STATUS: deployed") {
		t.Fatalf("install output:\n%s", out)
	}
	job, err := client.BatchV1().Jobs(ns).Get(t.Context(), "web-migrate", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("pre-install hook Job: %v", err)
	}
	if job.Status.Succeeded != 1 {
		t.Errorf("pre-install hook Job succeeded %d times, want 1", job.Status.Succeeded)
	}
	out = mustBerth(t, dir, "", append([]string{"test", "web", "--logs", "--timeout", "60s"}, conn...)...)
	for _, want := range []string{"TEST SUITE:     web-smoke\n", "Phase:          Succeeded\n", "LOGS OF Job/" + ns + "/web-smoke:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("berth test output lacks %q:\n%s", want, out)
		}
	}
}

// TestFailedHookShowsLogs: a hook Pod that never finishes fails the
// install at --timeout; the error names the hook and the logs of its
// container follow, or why they cannot be read (kwok runs no containers).
func TestFailedHookShowsLogs(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	conn := []string{"--kubeconfig", kubeconfigPath(t), "-n", ns}
	run := runBerth(t, t.TempDir(), "", append([]string{
		"install", "web", hookedChart(t), "--set", "stuckHook=true", "--timeout", "5s", "--rollback-on-failure",
	}, conn...)...)
	if run.ExitCode != 1 {
		t.Fatalf("install with a stuck hook: exit %d, want 1\nstderr:\n%s", run.ExitCode, run.Stderr)
	}
	want := regexp.MustCompile(`(?s)post-install hook Pod/` + ns + `/web-stuck \(hooked/templates/stuck.yaml\) failed: .*timed out after 5s.*` +
		`release "web" was uninstalled \(rollback on failure\)\n` +
		`Logs of the failed hook Pod/` + ns + `/web-stuck:\n==> web-stuck/main <==\n`)
	if !want.MatchString(run.Stderr) {
		t.Errorf("stderr does not match %s:\n%s", want, run.Stderr)
	}
	if _, err := client.CoreV1().ConfigMaps(ns).Get(t.Context(), "web", metav1.GetOptions{}); err == nil {
		t.Error("ConfigMap web survived the rolled back install")
	}
}
