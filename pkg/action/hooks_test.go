package action_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
)

var jobs = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}

// hooksTemplate renders one hook per entry of .Values.hooks: a Job, or an
// object of another kind without a spec.
const hooksTemplate = `{{- range .Values.hooks }}
---
{{- if eq .kind "Job" }}
apiVersion: batch/v1
{{- else }}
apiVersion: v1
{{- end }}
kind: {{ .kind }}
metadata:
  name: {{ .name }}
  annotations:
    helm.sh/hook: {{ .events | quote }}
    {{- with .weight }}
    helm.sh/hook-weight: {{ . | quote }}
    {{- end }}
    {{- with .policy }}
    helm.sh/hook-delete-policy: {{ . | quote }}
    {{- end }}
{{- if eq .kind "Job" }}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
{{- else if eq .kind "Pod" }}
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox}]
{{- else if eq .kind "ConfigMap" }}
data:
  color: {{ $.Values.color | quote }}
{{- end }}
{{- end }}
`

// hookChart is configMapChart with hooksTemplate; the values give no
// hooks.
func hookChart(t *testing.T) *chart.Chart {
	t.Helper()
	return writeChart(t, "hooks", map[string]string{
		"values.yaml":          "color: red\nconfigmaps:\n- name: a\nhooks: []\n",
		"templates/cms.yaml":   configMapTemplate,
		"templates/hooks.yaml": hooksTemplate,
	})
}

// hook is one entry of .Values.hooks.
func hook(name, kind, events string, weight int, policy string) map[string]any {
	h := map[string]any{"name": name, "kind": kind, "events": events}
	if weight != 0 {
		h["weight"] = weight
	}
	if policy != "" {
		h["policy"] = policy
	}
	return h
}

func hookValues(hooks ...map[string]any) map[string]any {
	list := make([]any, len(hooks))
	for i, h := range hooks {
		list[i] = h
	}
	return map[string]any{"hooks": list}
}

// recorder collects the progress events of an action.
type recorder struct {
	mu     sync.Mutex
	events []action.Event
}

func (r *recorder) record(e action.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// hookLines returns the hook events as "type hook object status".
func (r *recorder) hookLines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lines []string
	for _, e := range r.events {
		if e.Type == action.EventHookStarted || e.Type == action.EventHookFinished {
			lines = append(lines, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", e.Type, e.Hook, e.Object, e.Status)))
		}
	}
	return lines
}

// finishJob plays the Job controller in the background: it waits for Job
// ns/name to be created afresh (no status yet), then writes a status that
// completes or fails it. The returned channel yields the outcome.
func finishJob(t *testing.T, dyn dynamic.Interface, ns, name string, succeed bool) <-chan error {
	t.Helper()
	return finishNewJob(t, dyn, ns, name, succeed, "")
}

// finishNewJob is finishJob for a Job that replaces the one of UID
// oldUID, which it leaves alone.
func finishNewJob(t *testing.T, dyn dynamic.Interface, ns, name string, succeed bool, oldUID string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		done <- playJob(t.Context(), dyn, ns, name, succeed, oldUID)
	}()
	return done
}

func playJob(ctx context.Context, dyn dynamic.Interface, ns, name string, succeed bool, oldUID string) error {
	client := dyn.Resource(jobs).Namespace(ns)
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		job, err := client.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if _, has := job.Object["status"].(map[string]any)["conditions"]; has || string(job.GetUID()) == oldUID {
			return false, nil // a Job of an earlier run, about to be deleted
		}
		job.Object["status"] = jobStatus(succeed)
		_, err = client.UpdateStatus(ctx, job, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}

// jobStatus is the status the Job controller writes when a Job ends, as
// the API server's validation wants it.
func jobStatus(succeeded bool) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	if succeeded {
		return map[string]any{
			"startTime": now, "completionTime": now, "succeeded": int64(1),
			"conditions": []any{
				map[string]any{"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": now},
				map[string]any{"type": "Complete", "status": "True", "lastTransitionTime": now},
			},
		}
	}
	cond := func(typ string) map[string]any {
		return map[string]any{
			"type": typ, "status": "True", "reason": "BackoffLimitExceeded",
			"message": "Job has reached the specified backoff limit", "lastTransitionTime": now,
		}
	}
	return map[string]any{"startTime": now, "failed": int64(1), "conditions": []any{cond("FailureTarget"), cond("Failed")}}
}

func TestHookOrder(t *testing.T) {
	cfg, _ := newConfig(t)
	rec := &recorder{}
	cfg.Progress = rec.record
	ns := cfg.Namespace
	// Weight first, then kind in install order (ServiceAccount, Secret,
	// ConfigMap), then name; post-install after the apply.
	values := hookValues(
		hook("z-late", "ConfigMap", "pre-install", 5, ""),
		hook("b-cm", "ConfigMap", "pre-install", 0, ""),
		hook("a-cm", "ConfigMap", "pre-install", 0, ""),
		hook("c-secret", "Secret", "pre-install", 0, ""),
		hook("d-sa", "ServiceAccount", "pre-install", 0, ""),
		hook("early", "ConfigMap", "pre-install", -5, ""),
		hook("after", "ConfigMap", "post-install", 0, ""),
		hook("upgrade-only", "ConfigMap", "pre-upgrade", 0, ""),
	)
	if _, _, err := action.Install(t.Context(), cfg, hookChart(t), values, action.InstallOptions{Name: "order"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	var want []string
	for _, h := range []struct{ event, object string }{
		{"pre-install", "ConfigMap/" + ns + "/early"},
		{"pre-install", "ServiceAccount/" + ns + "/d-sa"},
		{"pre-install", "Secret/" + ns + "/c-secret"},
		{"pre-install", "ConfigMap/" + ns + "/a-cm"},
		{"pre-install", "ConfigMap/" + ns + "/b-cm"},
		{"pre-install", "ConfigMap/" + ns + "/z-late"},
		{"post-install", "ConfigMap/" + ns + "/after"},
	} {
		want = append(want, "hook-started "+h.event+" "+h.object, "hook-finished "+h.event+" "+h.object+" succeeded")
	}
	if diff := cmp.Diff(want, rec.hookLines()); diff != "" {
		t.Errorf("hook events (-want +got):\n%s", diff)
	}
}

func TestHookDeletePolicies(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	values := hookValues(
		hook("recreated", "ConfigMap", "pre-install,pre-upgrade", 0, ""),
		hook("gone-on-success", "ConfigMap", "pre-install", 0, "hook-succeeded"),
		hook("kept", "ConfigMap", "pre-install", 0, "hook-failed"),
	)
	rel, _, err := action.Install(ctx, cfg, hookChart(t), values, action.InstallOptions{Name: "pol"})
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "kept", "recreated"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("config maps after install (-want +got):\n%s", diff)
	}
	for _, h := range rel.Hooks {
		if h.LastRun.Phase != release.HookPhaseSucceeded || h.LastRun.StartedAt.IsZero() || h.LastRun.CompletedAt.IsZero() {
			t.Errorf("hook %s LastRun = %+v, want succeeded with times", h.Name, h.LastRun)
		}
	}
	stored, err := cfg.Store.Get(ctx, "pol", 1)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Hooks[0].LastRun.Phase != release.HookPhaseSucceeded {
		t.Errorf("stored LastRun of %s = %+v, want succeeded", stored.Hooks[0].Name, stored.Hooks[0].LastRun)
	}
	oldUID := getObject(t, dyn, configMaps, ns, "recreated").GetUID()

	// before-hook-creation (the default) deletes the hook and creates it
	// anew: a new object, with the new values.
	if _, _, err := action.Upgrade(ctx, cfg, hookChart(t), map[string]any{"color": "blue"},
		action.UpgradeOptions{Name: "pol", Values: action.ValuesReuse}); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	recreated := getObject(t, dyn, configMaps, ns, "recreated")
	if recreated.GetUID() == oldUID {
		t.Error("pre-upgrade hook kept its object; before-hook-creation should recreate it")
	}
	if color := recreated.Object["data"].(map[string]any)["color"]; color != "blue" {
		t.Errorf("recreated hook color = %v, want blue", color)
	}
}

func TestHookFailedPolicyDeletesFailedJob(t *testing.T) {
	tests := []struct {
		name    string
		policy  string
		wantJob bool
	}{
		{name: "hook-failed deletes", policy: "hook-failed", wantJob: false},
		{name: "hook-succeeded keeps a failed hook", policy: "hook-succeeded", wantJob: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, dyn := newConfig(t)
			ns := cfg.Namespace
			played := finishJob(t, dyn, ns, "migrate", false)
			values := hookValues(hook("migrate", "Job", "pre-install", 0, tt.policy))
			_, _, err := action.Install(t.Context(), cfg, hookChart(t), values, action.InstallOptions{Name: "fail"})
			if perr := <-played; perr != nil {
				t.Fatalf("play the Job controller: %v", perr)
			}
			if !errors.Is(err, action.ErrHookFailed) {
				t.Fatalf("install error = %v, want a hook failure", err)
			}
			if got := getObject(t, dyn, jobs, ns, "migrate") != nil; got != tt.wantJob {
				t.Errorf("Job exists after failure: %v, want %v", got, tt.wantJob)
			}
		})
	}
}

func TestFailingPreInstallHook(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	played := finishJob(t, dyn, ns, "migrate", false)
	values := hookValues(hook("migrate", "Job", "pre-install", 0, ""))
	_, _, err := action.Install(ctx, cfg, hookChart(t), values, action.InstallOptions{Name: "pre"})
	if perr := <-played; perr != nil {
		t.Fatalf("play the Job controller: %v", perr)
	}
	var hookErr *action.HookError
	if !errors.As(err, &hookErr) {
		t.Fatalf("install error = %v, want a HookError", err)
	}
	want := "pre-install hook Job/" + ns + "/migrate (hooks/templates/hooks.yaml) failed: " +
		"BackoffLimitExceeded: Job has reached the specified backoff limit"
	if diff := cmp.Diff(want, hookErr.Error()); diff != "" {
		t.Errorf("hook error (-want +got):\n%s", diff)
	}
	if names := liveNames(t, dyn, configMaps, ns); len(names) != 0 {
		t.Errorf("config maps after a failed pre-install hook: %v, want none", names)
	}
	rel, err := cfg.Store.Get(ctx, "pre", 1)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Status != release.StatusFailed || rel.Description != "Install failed: "+want {
		t.Errorf("release %s %q, want failed %q", rel.Status, rel.Description, "Install failed: "+want)
	}
	if phase := rel.Hooks[0].LastRun.Phase; phase != release.HookPhaseFailed {
		t.Errorf("hook LastRun phase = %s, want Failed", phase)
	}
}

func TestNoHooks(t *testing.T) {
	cfg, dyn := newConfig(t)
	ns := cfg.Namespace
	values := hookValues(hook("migrate", "Job", "pre-install", 0, ""), hook("cm", "ConfigMap", "post-install", 0, ""))
	settings := action.ApplySettings{NoHooks: true}
	if _, _, err := action.Install(t.Context(), cfg, hookChart(t), values, action.InstallOptions{Name: "nh", ApplySettings: settings}); err != nil {
		t.Fatalf("install --no-hooks: %v", err)
	}
	if diff := cmp.Diff([]string{"a"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("config maps (-want +got):\n%s", diff)
	}
	if getObject(t, dyn, jobs, ns, "migrate") != nil {
		t.Error("--no-hooks created the pre-install Job")
	}
}

func TestHookTimeout(t *testing.T) {
	cfg, _ := newConfig(t)
	ns := cfg.Namespace
	values := hookValues(hook("migrate", "Job", "pre-install", 0, ""))
	settings := action.ApplySettings{Timeout: 300 * time.Millisecond}
	_, _, err := action.Install(t.Context(), cfg, hookChart(t), values, action.InstallOptions{Name: "slow", ApplySettings: settings})
	var hookErr *action.HookError
	if !errors.As(err, &hookErr) {
		t.Fatalf("install error = %v, want a HookError", err)
	}
	want := "pre-install hook Job/" + ns + "/migrate (hooks/templates/hooks.yaml) failed: " +
		"timed out after 300ms waiting for the hook to finish: 0 active, 0 succeeded, 0 failed pods"
	if diff := cmp.Diff(want, hookErr.Error()); diff != "" {
		t.Errorf("hook error (-want +got):\n%s", diff)
	}
}

func TestRollbackAndDeleteHooks(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	values := hookValues(
		hook("before-rollback", "ConfigMap", "pre-rollback", 0, ""),
		hook("after-rollback", "ConfigMap", "post-rollback", 0, ""),
		hook("before-delete", "ConfigMap", "pre-delete", 0, ""),
		hook("after-delete", "ConfigMap", "post-delete", 0, ""),
	)
	if _, _, err := action.Install(ctx, cfg, hookChart(t), values, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	if _, _, err := action.Upgrade(ctx, cfg, hookChart(t), nil, action.UpgradeOptions{Name: "web"}); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if diff := cmp.Diff([]string{"a"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("config maps before rollback (-want +got):\n%s", diff)
	}
	if _, _, err := action.Rollback(ctx, cfg, "web", action.RollbackOptions{Revision: 1}); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "after-rollback", "before-rollback"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("config maps after rollback (-want +got):\n%s", diff)
	}
	// Uninstall deletes the release's objects and runs the delete hooks,
	// whose objects stay, as Helm leaves them.
	if _, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{}); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	want := []string{"after-delete", "after-rollback", "before-delete", "before-rollback"}
	if diff := cmp.Diff(want, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("config maps after uninstall (-want +got):\n%s", diff)
	}
}
