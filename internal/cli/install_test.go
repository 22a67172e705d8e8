package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

// TestMain gives the package's release command tests a real kube-apiserver.
// Tests that do not call testenv never touch it. With envExecBerth set the
// binary is berth itself, for tests that run it as a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv(envExecBerth) != "" {
		os.Exit(Main())
	}
	os.Exit(testenv.Run(m))
}

// releaseChart writes a chart of two ConfigMaps (the second dropped when
// .Values.second is false) and returns its directory.
func releaseChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "web")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 1.2.3\nappVersion: \"4.5\"\n",
		"values.yaml": "color: red\nsecond: true\n",
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
`,
		"templates/NOTES.txt": "Thanks for installing {{ .Release.Name }}.\n",
	}
	tree.Write(t, dir, files)
	return dir
}

// clusterArgs returns the connection flags for the test API server and a
// fresh namespace.
func clusterArgs(t *testing.T) []string {
	t.Helper()
	return []string{"--kubeconfig", testenv.Kubeconfig(t), "-n", testenv.Namespace(t)}
}

// runOK runs berth and fails the test unless it exits 0.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, args...)
	if code != ExitOK {
		t.Fatalf("berth %s: exit %d\nstderr: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func TestInstallInstalls(t *testing.T) {
	conn := clusterArgs(t)
	chartDir := releaseChart(t)
	out := runOK(t, append([]string{"install", "web", chartDir, "--set", "color=blue"}, conn...)...)
	for _, want := range []string{
		"NAME: web", "STATUS: deployed", "REVISION: 1", "DESCRIPTION: Install complete",
		"ConfigMap/" + conn[3] + "/web-first created", "NOTES:\nThanks for installing web.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("install output lacks %q:\n%s", want, out)
		}
	}
	code, _, stderr := run(t, append([]string{"install", "web", chartDir}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "release already exists") {
		t.Errorf("second install: exit %d, stderr %q; want 1 and \"release already exists\"", code, stderr)
	}
	got := runOK(t, append([]string{"get", "values", "web"}, conn...)...)
	if diff := cmp.Diff("color: blue\n", got); diff != "" {
		t.Errorf("get values (-want +got):\n%s", diff)
	}
}

func TestInstallUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"name missing", []string{"install", "./chart"}, "--generate-name"},
		{"generate-name with a name", []string{"install", "web", "./chart", "--generate-name"}, "not both"},
		{"bad dry-run", []string{"install", "web", "./chart", "--dry-run=maybe"}, `invalid --dry-run "maybe"`},
		{"bad name", []string{"install", "Web_1", "./chart"}, `invalid release name "Web_1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chartDir := releaseChart(t)
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "./chart", chartDir)
			}
			code, _, stderr := run(t, args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
}

func TestInstallDryRunClientNeedsNoRecord(t *testing.T) {
	conn := clusterArgs(t)
	out := runOK(t, append([]string{"install", "web", releaseChart(t), "--dry-run", "-o", "json"}, conn...)...)
	var r releaseReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if !strings.Contains(r.Manifest, "name: web-first") {
		t.Errorf("dry run manifest lacks web-first:\n%s", r.Manifest)
	}
	if r.Status != "pending-install" || r.Description != "Dry run complete" {
		t.Errorf("dry run status %q description %q", r.Status, r.Description)
	}
	code, _, stderr := run(t, append([]string{"status", "web"}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "release not found") {
		t.Errorf("status after dry run: exit %d, stderr %q", code, stderr)
	}
}

func TestInstallGenerateName(t *testing.T) {
	conn := clusterArgs(t)
	out := runOK(t, append([]string{"install", releaseChart(t), "--generate-name", "-o", "json"}, conn...)...)
	var r releaseReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if !strings.HasPrefix(r.Name, "web-") || r.Status != "deployed" {
		t.Errorf("generated release %q %s, want web-... deployed", r.Name, r.Status)
	}
	got := decodeRows(t, runOK(t, append([]string{"list", "-o", "json"}, conn...)...))
	if len(got) != 1 || got[0].Name != r.Name {
		t.Errorf("list = %v, want only %s", got, r.Name)
	}
}
