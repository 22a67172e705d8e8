package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// testedChart writes a chart of one ConfigMap and one Pod hook,
// web-smoke, run on event, and returns its directory.
func testedChart(t *testing.T, event string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "web")
	files := map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
`,
		"templates/tests/smoke.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-smoke
  annotations:
    helm.sh/hook: ` + event + `
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox}]
`,
	}
	tree.Write(t, dir, files)
	return dir
}

// playKubelet waits in the background for pod ns/name to be created
// afresh (not the one of oldUID) and sets its phase.
func playKubelet(t *testing.T, ns, name, phase, oldUID string) <-chan error {
	t.Helper()
	client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(podsResource).Namespace(ns)
	done := make(chan error, 1)
	go func() {
		done <- wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			pod, err := client.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) || (err == nil && string(pod.GetUID()) == oldUID) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			pod.Object["status"] = map[string]any{"phase": phase}
			_, err = client.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
			if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		})
	}()
	return done
}

func podUID(t *testing.T, ns, name string) string {
	t.Helper()
	client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(podsResource).Namespace(ns)
	pod, err := client.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return string(pod.GetUID())
}

func TestTestCommand(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	runOK(t, append([]string{"install", "web", testedChart(t, "test")}, conn...)...)

	played := playKubelet(t, ns, "web-smoke", "Succeeded", "")
	code, out, stderr := run(t, append([]string{"test", "web"}, conn...)...)
	if err := <-played; err != nil {
		t.Fatalf("play the kubelet: %v", err)
	}
	if code != ExitOK {
		t.Fatalf("test of a passing suite: exit %d\nstderr: %s", code, stderr)
	}
	for _, want := range []string{"NAME: web\n", "TEST SUITE:     web-smoke\n", "Phase:          Succeeded\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("test output lacks %q:\n%s", want, out)
		}
	}

	// The pod of the passing run stays (before-hook-creation deletes it
	// when the test runs again); the next run fails.
	played = playKubelet(t, ns, "web-smoke", "Failed", podUID(t, ns, "web-smoke"))
	code, out, stderr = run(t, append([]string{"test", "web", "-o", "json"}, conn...)...)
	if err := <-played; err != nil {
		t.Fatalf("play the kubelet: %v", err)
	}
	if code != ExitError {
		t.Errorf("test of a failing suite: exit %d, want %d", code, ExitError)
	}
	wantErr := `Error: test release "web": test Pod/` + ns + "/web-smoke failed: pod failed\n"
	if !strings.HasSuffix(stderr, wantErr) {
		t.Errorf("stderr does not end with %q:\n%s", wantErr, stderr)
	}
	var r testReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if r.Passed || len(r.Tests) != 1 || r.Tests[0].Phase != "Failed" || r.Tests[0].Reason != "pod failed" {
		t.Errorf("report = %+v, want one failed test", r)
	}
	// envtest has no kubelet: the logs say why they are missing.
	if logs := r.Tests[0].Logs; len(logs) != 1 || !strings.HasPrefix(logs[0].Unavailable, "container has not started") {
		t.Errorf("logs = %+v, want one unavailable log", logs)
	}
}

func TestTestCommandErrors(t *testing.T) {
	conn := clusterArgs(t)
	code, _, stderr := run(t, append([]string{"test", "missing"}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "release not found") {
		t.Errorf("test of a missing release: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, "test", "web", "--timeout", "0s")
	if code != ExitUsage || !strings.Contains(stderr, "invalid --timeout 0s") {
		t.Errorf("test --timeout 0s: exit %d, stderr %q", code, stderr)
	}
}

func TestInterruptedCommand(t *testing.T) {
	// A context cancelled as a signal cancels it, while the pre-install
	// hook runs: the command fails saying the install was interrupted, the
	// revision is recorded failed and the lock released.
	conn := clusterArgs(t)
	ns := conn[3]
	chartDir := testedChart(t, "pre-install")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(podsResource).Namespace(ns)
	go func() {
		_ = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := client.Get(ctx, "web-smoke", metav1.GetOptions{})
			return err == nil, nil
		})
		cancel(errors.New("interrupt signal received"))
	}()
	var out, errOut strings.Builder
	code := Run(ctx, append([]string{"install", "web", chartDir}, conn...), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	want := `Error: install release "web": Install interrupted (interrupt signal received); revision 1 recorded failed` + "\n"
	if code != ExitError || !strings.HasSuffix(errOut.String(), want) {
		t.Errorf("interrupted install: exit %d, stderr %q; want 1 and %q", code, errOut.String(), want)
	}
	history := runOK(t, append([]string{"history", "web"}, conn...)...)
	if !strings.Contains(history, "failed") || !strings.Contains(history, "Install interrupted: interrupt signal received") {
		t.Errorf("history after the interrupted install:\n%s", history)
	}
	// The lock is free: installing again (without hooks) goes ahead at once.
	out2 := runOK(t, append([]string{"install", "web", chartDir, "--no-hooks", "--lock-timeout", "1s"}, conn...)...)
	if !strings.Contains(out2, "REVISION: 2") || !strings.Contains(out2, "STATUS: deployed") {
		t.Errorf("install after the interrupted one:\n%s", out2)
	}
}

// TestSignalStopsInstall sends SIGINT to a berth process (this test
// binary running Main) while its pre-install hook runs: berth says it is
// stopping, records the revision interrupted and exits 1.
func TestSignalStopsInstall(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	args := append([]string{"install", "web", testedChart(t, "pre-install")}, conn...)
	cmd := exec.Command(os.Args[0], args...) //nolint:gosec,noctx // the test binary itself, stopped by the test
	cmd.Env = append(os.Environ(), envExecBerth+"=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start berth: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	client := dynamic.NewForConfigOrDie(testenv.Config(t)).Resource(podsResource).Namespace(ns)
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := client.Get(ctx, "web-smoke", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("the pre-install hook Pod never appeared: %v", err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("signal berth: %v", err)
	}
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != ExitError {
		t.Fatalf("berth after SIGINT: %v, want exit 1\nstderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"berth: interrupt signal received: stopping, recording the operation as interrupted and releasing the lock",
		`Error: install release "web": Install interrupted (interrupt signal received); revision 1 recorded failed`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	history := runOK(t, append([]string{"history", "web"}, conn...)...)
	if !strings.Contains(history, "Install interrupted: interrupt signal received") {
		t.Errorf("history after SIGINT:\n%s", history)
	}
}
