package action_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

var (
	configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	servicesGVR   = schema.GroupVersionResource{Version: "v1", Resource: "services"}
)

// jobChart is a chart of a ConfigMap, a Service and a Job whose pod runs
// image (an immutable field of the Job).
func jobChart(t *testing.T, image string) *chart.Chart {
	t.Helper()
	return writeChart(t, "jobs", map[string]string{
		"templates/all.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data: {image: ` + image + `}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
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
}

// playGarbageCollector stands in for the garbage collector, which the
// test API server does not run: it removes the foregroundDeletion
// finalizer of the Jobs in ns being deleted, as the collector does once
// their dependents are gone (they have none here).
func playGarbageCollector(t *testing.T, dyn dynamic.Interface, ns string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := dyn.Resource(jobs).Namespace(ns).Watch(ctx, metav1.ListOptions{})
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
			// A failure shows as the upgrade timing out.
			_, _ = dyn.Resource(jobs).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{})
		}
	}()
}

// uids returns the UIDs of the chart's three objects.
func uids(t *testing.T, dyn dynamic.Interface, ns string) map[string]types.UID {
	t.Helper()
	return map[string]types.UID{
		"conf":    getObject(t, dyn, configMapsGVR, ns, "conf").GetUID(),
		"web":     getObject(t, dyn, servicesGVR, ns, "web").GetUID(),
		"migrate": getObject(t, dyn, jobs, ns, "migrate").GetUID(),
	}
}

// TestUpgradeForceReplace: an upgrade that changes a Job's template fails
// naming the field; with ForceReplace only the Job is re-created, and a
// rollback to the first revision replaces it again.
func TestUpgradeForceReplace(t *testing.T) {
	cfg, dyn := newConfig(t)
	ns := cfg.Namespace
	if _, _, err := action.Install(t.Context(), cfg, jobChart(t, "a:1"), nil, action.InstallOptions{Name: "jobs"}); err != nil {
		t.Fatalf("Install: %v", err)
	}
	before := uids(t, dyn, ns)

	rel, _, err := action.Upgrade(t.Context(), cfg, jobChart(t, "a:2"), nil, action.UpgradeOptions{Name: "jobs"})
	if !errors.Is(err, kube.ErrImmutable) {
		t.Fatalf("Upgrade = %v, want kube.ErrImmutable", err)
	}
	want := "Job/" + ns + "/migrate: spec.template: field is immutable; use --force-replace to delete and re-create the object"
	if !strings.Contains(err.Error(), want) || rel.Status != release.StatusFailed {
		t.Errorf("Upgrade error %q (revision %s), want it failed with %q", err, rel.Status, want)
	}

	playGarbageCollector(t, dyn, ns)
	settings := action.ApplySettings{ForceReplace: true}
	rel, cs, err := action.Upgrade(t.Context(), cfg, jobChart(t, "a:2"), nil, action.UpgradeOptions{Name: "jobs", ApplySettings: settings})
	if err != nil {
		t.Fatalf("Upgrade with ForceReplace: %v", err)
	}
	// The failed upgrade applied the ConfigMap before the Job.
	wantChanges := []string{
		"ConfigMap/" + ns + "/conf unchanged",
		"Service/" + ns + "/web unchanged",
		"Job/" + ns + "/migrate replaced (immutable field spec.template changed)",
	}
	if diff := cmp.Diff(wantChanges, changeLines(cs)); diff != "" || rel.Status != release.StatusDeployed {
		t.Errorf("revision %d %s, changes (-want +got):\n%s", rel.Revision, rel.Status, diff)
	}
	after := uids(t, dyn, ns)
	if after["migrate"] == before["migrate"] {
		t.Error("the Job kept its UID: it was not re-created")
	}
	if after["conf"] != before["conf"] || after["web"] != before["web"] {
		t.Errorf("UIDs of the other objects changed: before %v, after %v", before, after)
	}

	_, cs, err = action.Rollback(t.Context(), cfg, "jobs", action.RollbackOptions{Revision: 1, ApplySettings: settings})
	if err != nil {
		t.Fatalf("Rollback with ForceReplace: %v", err)
	}
	if got := changeLines(cs); !slices.Contains(got, "Job/"+ns+"/migrate replaced (immutable field spec.template changed)") {
		t.Errorf("rollback changes %q, want the Job replaced", got)
	}
	if final := uids(t, dyn, ns); final["web"] != before["web"] || final["migrate"] == after["migrate"] {
		t.Errorf("after the rollback: UIDs %v, want the Service's kept and the Job's new", final)
	}
}

func changeLines(cs *kube.ChangeSet) []string {
	if cs == nil {
		return nil
	}
	var lines []string
	for _, e := range cs.Entries {
		lines = append(lines, e.String())
	}
	return lines
}
