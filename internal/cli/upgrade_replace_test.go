package cli

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/tree"
)

var jobResource = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}

// jobChartDir writes a chart of a ConfigMap and a Job whose pod runs image.
func jobChartDir(t *testing.T, image string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "jobs")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: jobs\nversion: 0.1.0\n",
		"templates/all.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: ` + image + `}]
`,
	})
	return dir
}

// collectJobs stands in for the garbage collector, which the test API
// server does not run: it removes the foregroundDeletion finalizer of the
// Jobs of ns being deleted.
func collectJobs(t *testing.T, ns string) {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(testenv.Config(t))
	ctx, cancel := context.WithCancel(context.Background())
	w, err := dyn.Resource(jobResource).Namespace(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch jobs: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); w.Stop(); <-done })
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			obj, ok := ev.Object.(*unstructured.Unstructured)
			if !ok || ev.Type != watch.Modified || obj.GetDeletionTimestamp() == nil {
				continue
			}
			obj.SetFinalizers(slices.DeleteFunc(obj.GetFinalizers(), func(f string) bool { return f == metav1.FinalizerDeleteDependents }))
			_, _ = dyn.Resource(jobResource).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{})
		}
	}()
}

// TestUpgradeForceReplaceCommand: diff upgrade shows a Job whose template
// changes as a replacement, upgrade fails naming the field and
// --force-replace, and upgrade --force-replace replaces the Job.
func TestUpgradeForceReplaceCommand(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	runOK(t, append([]string{"install", "jobs", jobChartDir(t, "a:1")}, conn...)...)
	next := jobChartDir(t, "a:2")

	out := runOK(t, append([]string{"diff", "upgrade", "jobs", next}, conn...)...)
	for _, want := range []string{
		"# Job/" + ns + "/migrate: replace (immutable field spec.template changed: an upgrade needs --force-replace, which deletes and re-creates the object; shown as rendered)",
		"+      - image: a:2",
		"1 to replace, 0 to change, 0 to create, 0 to delete, 1 unchanged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff upgrade output lacks %q:\n%s", want, out)
		}
	}

	code, _, stderr := run(t, append([]string{"upgrade", "jobs", next}, conn...)...)
	want := `Error: upgrade release "jobs": Job/` + ns + "/migrate: spec.template: field is immutable; use --force-replace to delete and re-create the object"
	if code != ExitError || !strings.Contains(stderr, want) {
		t.Errorf("upgrade: exit %d, want %d with %q\n%s", code, ExitError, want, stderr)
	}

	collectJobs(t, ns)
	out = runOK(t, append([]string{"upgrade", "jobs", next, "--force-replace"}, conn...)...)
	if want := "  Job/" + ns + "/migrate replaced (immutable field spec.template changed)\n"; !strings.Contains(out, want) {
		t.Errorf("upgrade --force-replace report lacks %q:\n%s", want, out)
	}
}
