//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestDiffAndDriftOnARealCluster runs diff and drift where controllers
// run: the deployment controller's revision annotation is not drift, and a
// kubectl-style scale through the scale subresource is, named with its
// field manager; drift --correct scales back without a new revision.
func TestDiffAndDriftOnARealCluster(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	dir := t.TempDir()
	conn := []string{"--kubeconfig", kubeconfigPath(t), "-n", ns}
	chart := webChart(t)
	mustBerth(t, dir, "", append([]string{"install", "web", chart, "--set", "replicas=1", "--wait=false"}, conn...)...)
	eventually(t, 30*time.Second, "deployment controller annotates web", func(ctx context.Context) (bool, string, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		rev := d.Annotations["deployment.kubernetes.io/revision"]
		return rev != "", fmt.Sprintf("revision annotation %q", rev), nil
	})
	if run := runBerth(t, dir, "", append([]string{"drift", "web"}, conn...)...); run.ExitCode != 0 {
		t.Fatalf("drift of a fresh release: exit %d\n%s%s", run.ExitCode, run.Stdout, run.Stderr)
	}

	scale, err := client.AppsV1().Deployments(ns).GetScale(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 3
	if _, err := client.AppsV1().Deployments(ns).UpdateScale(t.Context(), "web", scale, metav1.UpdateOptions{FieldManager: "kubectl-scale"}); err != nil {
		t.Fatal(err)
	}
	run := runBerth(t, dir, "", append([]string{"drift", "web"}, conn...)...)
	want := "Deployment/" + ns + "/web:\n  kubectl-scale changed spec.replicas: 1 -> 3\n"
	if run.ExitCode != 2 || !strings.HasPrefix(run.Stdout, want) {
		t.Errorf("drift after a scale: exit %d, stdout:\n%s\nwant it to start with:\n%s", run.ExitCode, run.Stdout, want)
	}
	run = runBerth(t, dir, "", append([]string{"diff", "upgrade", "web", chart, "--set", "replicas=2", "--force-conflicts", "--detailed-exitcode"}, conn...)...)
	if run.ExitCode != 2 || !strings.Contains(run.Stdout, "-  replicas: 3\n+  replicas: 2\n") {
		t.Errorf("diff upgrade: exit %d\n%s%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	if run = runBerth(t, dir, "", append([]string{"drift", "web", "--correct"}, conn...)...); run.ExitCode != 2 {
		t.Errorf("drift --correct: exit %d\n%s%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	d, err := client.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil || d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas after drift --correct: %v, %v", d.Spec.Replicas, err)
	}
	if run = runBerth(t, dir, "", append([]string{"drift", "web"}, conn...)...); run.ExitCode != 0 {
		t.Errorf("drift after --correct: exit %d\n%s", run.ExitCode, run.Stdout)
	}
	history := mustBerth(t, dir, "", append([]string{"history", "web"}, conn...)...)
	if n := strings.Count(history, "\n"); n != 2 {
		t.Errorf("history after drift --correct:\n%s", history)
	}
}
