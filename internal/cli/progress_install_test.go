package cli

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/tree"
)

// deploymentChart writes a chart of a ConfigMap and a Deployment, which
// no controller makes available on the test API server.
func deploymentChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "web")
	files := map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"templates/web.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: example.com/web:1}]}
`,
	}
	tree.Write(t, dir, files)
	return dir
}

// TestInstallWaitProgress: install waits and fails at --timeout, with a
// progress line per status change and the objects not ready in the error;
// --wait=false records the revision deployed at once, and -o json streams
// the events as JSON lines.
func TestInstallWaitProgress(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	chartDir := deploymentChart(t)

	code, _, stderr := run(t, append([]string{"install", "web", chartDir, "--timeout", "1s"}, conn...)...)
	if code != ExitError {
		t.Fatalf("install --timeout 1s: exit %d, want %d\n%s", code, ExitError, stderr)
	}
	notReady := "Deployment/" + ns + "/web: waiting for the controller to observe generation 1"
	for _, want := range []string{
		`(?m)^\[\d+(\.\d)?m?s\] ConfigMap/` + ns + `/web: Current: Resource is always ready$`,
		`(?m)^\[\d+(\.\d)?m?s\] Deployment/` + ns + `/web: InProgress: waiting for the controller to observe generation 1$`,
		`(?m)^\[\d+(\.\d)?m?s\] done: failed: `,
		`(?m)^Error: install release "web": wait for readiness: timed out after 1s waiting for 1 of 2 objects: ` + regexp.QuoteMeta(notReady) + `$`,
	} {
		if !regexp.MustCompile(want).MatchString(stderr) {
			t.Errorf("stderr does not match %s:\n%s", want, stderr)
		}
	}
	rows := decodeRows(t, runOK(t, append([]string{"history", "web", "-o", "json"}, conn...)...))
	if len(rows) != 1 || rows[0].Status != "failed" || !strings.Contains(rows[0].Description, notReady) {
		t.Errorf("history = %+v, want revision 1 failed naming %s", rows, notReady)
	}

	code, stdout, stderr := run(t, append([]string{"upgrade", "web", chartDir, "--wait=false", "-o", "json"}, conn...)...)
	if code != ExitOK {
		t.Fatalf("upgrade --wait=false: exit %d\n%s", code, stderr)
	}
	var report struct{ Status string }
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || report.Status != "deployed" {
		t.Errorf("upgrade --wait=false report: status %q (%v), want deployed", report.Status, err)
	}
	var types []string
	for line := range strings.Lines(stderr) {
		var event struct{ Type, Object, Status string }
		if err := json.Unmarshal([]byte(line), &event); err != nil {
			t.Fatalf("stderr line %q is not a JSON event: %v", line, err)
		}
		types = append(types, event.Type+" "+event.Object+event.Status)
	}
	want := []string{"applied ConfigMap/" + ns + "/web", "applied Deployment/" + ns + "/web", "done deployed"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("events of upgrade --wait=false -o json (-want +got):\n%s", diff)
	}

	code, _, stderr = run(t, append([]string{"upgrade", "web", chartDir, "--timeout", "0s"}, conn...)...)
	if code != ExitUsage || !strings.Contains(stderr, "invalid --timeout 0s") {
		t.Errorf("upgrade --timeout 0s: exit %d, want %d with invalid --timeout\n%s", code, ExitUsage, stderr)
	}
}
