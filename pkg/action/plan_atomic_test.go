package action_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// TestApplyPlanRollbackOnFailure: a plan whose Job never completes (no
// Job controller on the test API server) fails its wait; with
// RollbackOnFailure the release is rolled back to revision 1, the failed
// revision stays in history and the Job is gone again.
func TestApplyPlanRollbackOnFailure(t *testing.T) {
	cfg, dyn := newConfig(t)
	ns := cfg.Namespace
	c := writeChart(t, "batch", map[string]string{
		"values.yaml": "job: false\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {job: {{ .Values.job | quote }}}
`,
		"templates/job.yaml": `{{- if .Values.job }}
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: example.com/migrate:1}]
{{- end }}
`,
	})
	ctx := t.Context()
	if _, _, err := action.Install(ctx, cfg, c, nil, action.InstallOptions{Name: "batch"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	res, err := action.DiffUpgrade(ctx, cfg, c, map[string]any{"job": true}, action.UpgradeOptions{Name: "batch"})
	if err != nil {
		t.Fatalf("DiffUpgrade: %v", err)
	}
	plan, err := action.NewPlan(ctx, cfg, res)
	if err != nil {
		t.Fatal(err)
	}
	settings := action.ApplySettings{Wait: true, WaitForJobs: true, Timeout: time.Second}
	_, _, err = action.ApplyPlan(ctx, cfg, plan, action.ApplyPlanOptions{ApplySettings: settings, RollbackOnFailure: true})
	var waitErr *kube.WaitError
	if !errors.As(err, &waitErr) {
		t.Fatalf("ApplyPlan: %v, want the wait's error", err)
	}
	if d := cmp.Diff([]string{"1:superseded", "2:failed", "3:deployed"}, statuses(t, cfg.Store, "batch")); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if got := liveNames(t, dyn, jobs, ns); len(got) != 0 {
		t.Errorf("Jobs after the rollback: %v, want none", got)
	}
}
