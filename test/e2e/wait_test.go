//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-sh/berth/internal/testenv/repo"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

// kubeconfigPath is the kubeconfig of the cluster under test, for berth's
// --kubeconfig: $BERTH_E2E_KUBECONFIG, else the local cluster's.
func kubeconfigPath(t *testing.T) string {
	t.Helper()
	if path := os.Getenv(envKubeconfig); path != "" {
		return path
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := repo.Root(wd)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, ".cluster", "kubeconfig")
}

// webChart writes a chart of a ConfigMap and a Deployment of
// .Values.replicas pause pods, scheduled only on nodes labelled
// .Values.nodeSelector when set.
func webChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "web")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml": "replicas: 2\nnodeSelector: {}\n",
		"templates/web.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}}
data: {replicas: "{{ .Values.replicas }}"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      nodeSelector: {{ toJson .Values.nodeSelector }}
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
`,
	}
	tree.Write(t, dir, files)
	return dir
}

// TestInstallWaitsForDeployment: berth install returns once the
// controllers and kwok made the Deployment available, printing a line per
// status change on stderr; upgrade -o json prints the events as JSON lines.
func TestInstallWaitsForDeployment(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	conn := []string{"--kubeconfig", kubeconfigPath(t), "-n", ns}
	chartDir := webChart(t)
	dir := t.TempDir()

	run := runBerth(t, dir, "", append([]string{"install", "web", chartDir, "--timeout", "60s"}, conn...)...)
	if run.ExitCode != 0 {
		t.Fatalf("berth install: exit code %d\nstderr:\n%s", run.ExitCode, run.Stderr)
	}
	d, err := client.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get Deployment/%s/web: %v", ns, err)
	}
	if d.Status.AvailableReplicas != 2 || d.Status.ObservedGeneration != d.Generation {
		t.Errorf("Deployment/%s/web after install: %d available, generation %d observed %d; want 2 available, observed",
			ns, d.Status.AvailableReplicas, d.Generation, d.Status.ObservedGeneration)
	}
	// No InProgress line is required: on an idle machine the controllers
	// and kwok can make the Deployment available before the first status
	// berth reads. That install waited is shown by the Deployment being
	// available when it returned (above).
	for _, want := range []string{
		`^\[[0-9.]+m?s\] ConfigMap/` + ns + `/web: Current: `,
		`^\[[0-9.]+m?s\] Deployment/` + ns + `/web: Current: Deployment is available. Replicas: 2$`,
		`^\[[0-9.]+m?s\] done: deployed: Install complete$`,
	} {
		if !regexp.MustCompile(`(?m)` + want).MatchString(run.Stderr) {
			t.Errorf("stderr has no line matching %s:\n%s", want, run.Stderr)
		}
	}
	if !strings.Contains(run.Stdout, "STATUS: deployed") {
		t.Errorf("stdout does not say deployed:\n%s", run.Stdout)
	}

	run = runBerth(t, dir, "", append([]string{"upgrade", "web", chartDir, "--set", "replicas=3", "-o", "json"}, conn...)...)
	if run.ExitCode != 0 {
		t.Fatalf("berth upgrade: exit code %d\nstderr:\n%s", run.ExitCode, run.Stderr)
	}
	var last map[string]string
	current := false
	for line := range strings.Lines(run.Stderr) {
		var event map[string]string
		if err := json.Unmarshal([]byte(line), &event); err != nil {
			t.Fatalf("stderr line %q is not a JSON event: %v", line, err)
		}
		if event["type"] == "status" && event["object"] == "Deployment/"+ns+"/web" && event["status"] == "Current" {
			current = true
		}
		last = event
	}
	if !current {
		t.Errorf("no status event says Deployment/%s/web Current:\n%s", ns, run.Stderr)
	}
	if last["type"] != "done" || last["status"] != "deployed" {
		t.Errorf("last event = %v, want done deployed", last)
	}
	var report struct{ Status string }
	if err := json.Unmarshal([]byte(run.Stdout), &report); err != nil || report.Status != "deployed" {
		t.Errorf("stdout report: status %q, err %v:\n%s", report.Status, err, run.Stdout)
	}
}

// TestInstallWaitTimeout: pods that cannot be scheduled keep the
// Deployment unavailable; install fails at --timeout naming the pods'
// reason and records the revision failed.
func TestInstallWaitTimeout(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	conn := []string{"--kubeconfig", kubeconfigPath(t), "-n", ns}
	dir := t.TempDir()
	run := runBerth(t, dir, "", append([]string{
		"install", "web", webChart(t), "--timeout", "5s", "--set", "nodeSelector.berth-e2e=nowhere",
	}, conn...)...)
	if run.ExitCode != 1 {
		t.Fatalf("berth install: exit code %d, want 1\nstderr:\n%s", run.ExitCode, run.Stderr)
	}
	want := regexp.MustCompile(`timed out after 5s waiting for 1 of 2 objects: Deployment/` + ns +
		`/web: 0/2 replicas available: Unschedulable on pods web-[a-z0-9-]+, web-[a-z0-9-]+`)
	if !want.MatchString(run.Stderr) {
		t.Errorf("stderr does not match %s:\n%s", want, run.Stderr)
	}
	history := mustBerth(t, dir, "", append([]string{"history", "web"}, conn...)...)
	if !strings.Contains(history, "failed") || !strings.Contains(history, "Unschedulable") {
		t.Errorf("history does not record the failure with its reason:\n%s", history)
	}
}
