package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

const holdFinalizer = "test.berth.sh/hold"

// heldChartDir writes a chart of a ConfigMap whose finalizer, which no
// controller removes, keeps it once deleted.
func heldChartDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "held")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: held\nversion: 0.1.0\n",
		"templates/cms.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [" + holdFinalizer + "]}\n",
	})
	return dir
}

// awaitDeletion returns the ConfigMap name of ns once it is marked
// deleted, watching it.
func awaitDeletion(t *testing.T, dyn dynamic.Interface, ns, name string) *unstructured.Unstructured {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	w, err := dyn.Resource(configMapResource).Namespace(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatalf("watch configmaps: %v", err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if obj, ok := ev.Object.(*unstructured.Unstructured); ok && ev.Type == watch.Modified && obj.GetDeletionTimestamp() != nil {
			return obj
		}
	}
	t.Fatalf("ConfigMap %s/%s not deleted within 30s", ns, name)
	return nil
}

// TestUninstallWaitCommand: uninstall --wait returns only once the
// deleted objects are gone, and at --timeout names the one a finalizer
// holds.
func TestUninstallWaitCommand(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	dyn := dynamic.NewForConfigOrDie(testenv.Config(t))
	dir := heldChartDir(t)

	runOK(t, append([]string{"install", "held", dir}, conn...)...)
	code, _, stderr := run(t, append([]string{"uninstall", "held", "--wait", "--timeout", "1s"}, conn...)...)
	want := "timed out after 1s waiting for 1 of 1 deleted objects to be gone: ConfigMap/" + ns + "/held: waiting for finalizers " + holdFinalizer
	if code != ExitError || !strings.Contains(stderr, want) {
		t.Errorf("uninstall --wait --timeout 1s: exit %d, want %d with %q\n%s", code, ExitError, want, stderr)
	}
	held := getConfigMap(t, dyn, ns, "held")
	held.SetFinalizers(nil)
	if _, err := dyn.Resource(configMapResource).Namespace(ns).Update(t.Context(), held, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove the finalizer: %v", err)
	}

	runOK(t, append([]string{"install", "held", dir}, conn...)...)
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := run(t, append([]string{"uninstall", "held", "--wait", "--timeout", "1m"}, conn...)...)
		done <- result{code, stdout, stderr}
	}()
	held = awaitDeletion(t, dyn, ns, "held")
	select {
	case r := <-done:
		t.Fatalf("uninstall --wait returned (exit %d) while the ConfigMap is still there\n%s", r.code, r.stderr)
	default:
	}
	held.SetFinalizers(nil)
	if _, err := dyn.Resource(configMapResource).Namespace(ns).Update(t.Context(), held, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove the finalizer: %v", err)
	}
	select {
	case r := <-done:
		if r.code != ExitOK || !strings.Contains(r.stdout, `release "held" uninstalled`) {
			t.Errorf("uninstall --wait: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "ConfigMap/"+ns+"/held: Current: deleted") {
			t.Errorf("uninstall --wait progress lacks the deletion:\n%s", r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("uninstall --wait did not return once the ConfigMap was gone")
	}
}

func getConfigMap(t *testing.T, dyn dynamic.Interface, ns, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := dyn.Resource(configMapResource).Namespace(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get ConfigMap %s/%s: %v", ns, name, err)
	}
	return obj
}

func TestUninstallIgnoreNotFoundAndCascade(t *testing.T) {
	conn := clusterArgs(t)
	code, _, stderr := run(t, append([]string{"uninstall", "ghost"}, conn...)...)
	if code != ExitError {
		t.Errorf("uninstall of a missing release: exit %d, want %d\n%s", code, ExitError, stderr)
	}
	out := runOK(t, append([]string{"uninstall", "ghost", "--ignore-not-found"}, conn...)...)
	if want := "release \"ghost\" not found: nothing to uninstall\n"; out != want {
		t.Errorf("uninstall --ignore-not-found printed %q, want %q", out, want)
	}
	code, _, stderr = run(t, append([]string{"uninstall", "ghost", "--cascade", "sideways"}, conn...)...)
	if code != ExitUsage || !strings.Contains(stderr, `invalid cascade value "sideways": use background, foreground or orphan`) {
		t.Errorf("uninstall --cascade sideways: exit %d, want %d naming the values\n%s", code, ExitUsage, stderr)
	}
}
