package action_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

func TestUpgradeRollbackOnFailure(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	if _, _, err := action.Install(ctx, cfg, hookChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	played := finishJob(t, dyn, ns, "verify", false)
	values := map[string]any{
		"color":      "blue",
		"configmaps": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}},
		"hooks":      []any{hook("verify", "Job", "post-upgrade", 0, "")},
	}
	rel, _, err := action.Upgrade(ctx, cfg, hookChart(t), values,
		action.UpgradeOptions{Name: "web", RollbackOnFailure: true})
	if perr := <-played; perr != nil {
		t.Fatalf("play the Job controller: %v", perr)
	}
	if !errors.Is(err, action.ErrHookFailed) || !strings.Contains(err.Error(), "rolled back to revision 1 as revision 3") {
		t.Fatalf("upgrade error = %v, want the hook failure and the rollback", err)
	}
	if rel == nil || rel.Revision != 3 || rel.Status != release.StatusDeployed {
		t.Fatalf("release after rollback = %+v, want revision 3 deployed", rel)
	}
	want := []string{"1:superseded", "2:failed", "3:deployed"}
	if diff := cmp.Diff(want, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	failed, err := cfg.Store.Get(ctx, "web", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failed.Description, "post-upgrade hook Job/"+ns+"/verify") {
		t.Errorf("failed revision description %q does not name the hook", failed.Description)
	}
	// Revision 1's objects are back: b (added by the upgrade) is gone and
	// a has its color again.
	if diff := cmp.Diff([]string{"a"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("config maps after rollback (-want +got):\n%s", diff)
	}
	color, _, _ := unstructured.NestedString(getObject(t, dyn, configMaps, ns, "a").Object, "data", "color")
	if color != "red" {
		t.Errorf("color after rollback = %q, want red", color)
	}
}

func TestInstallRollbackOnFailure(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	played := finishJob(t, dyn, ns, "check", false)
	values := hookValues(hook("check", "Job", "post-install", 0, "hook-failed"))
	_, _, err := action.Install(ctx, cfg, hookChart(t), values,
		action.InstallOptions{Name: "web", RollbackOnFailure: true})
	if perr := <-played; perr != nil {
		t.Fatalf("play the Job controller: %v", perr)
	}
	if !errors.Is(err, action.ErrHookFailed) || !strings.Contains(err.Error(), `release "web" was uninstalled`) {
		t.Fatalf("install error = %v, want the hook failure and the uninstall", err)
	}
	if names := liveNames(t, dyn, configMaps, ns); len(names) != 0 {
		t.Errorf("config maps after a rolled back install: %v, want none", names)
	}
	if getObject(t, dyn, jobs, ns, "check") != nil {
		t.Error("the failed hook-failed Job is still there")
	}
	rel, err := cfg.Store.Get(ctx, "web", 1)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Status != release.StatusFailed || !strings.HasSuffix(rel.Description, "; uninstalled (rollback on failure)") {
		t.Errorf("revision 1: %s %q, want failed and uninstalled", rel.Status, rel.Description)
	}
	// The name is free again.
	if _, _, err := action.Install(ctx, cfg, hookChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Errorf("install after the rolled back install: %v", err)
	}
}

func TestInterruptedInstall(t *testing.T) {
	cfg, dyn := newConfig(t)
	ns := cfg.Namespace
	ctx, cancel := context.WithCancelCause(t.Context())
	// Interrupt once the pre-install Job exists, while it is pending.
	go func() {
		_ = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := dyn.Resource(jobs).Namespace(ns).Get(ctx, "migrate", metav1.GetOptions{})
			return err == nil, nil
		})
		cancel(errors.New("interrupt signal received"))
	}()
	values := hookValues(hook("migrate", "Job", "pre-install", 0, ""))
	_, _, err := action.Install(ctx, cfg, hookChart(t), values, action.InstallOptions{Name: "web"})
	if !errors.Is(err, action.ErrInterrupted) {
		t.Fatalf("install error = %v, want ErrInterrupted", err)
	}
	wantErr := "Install interrupted (interrupt signal received); revision 1 recorded failed"
	if err.Error() != wantErr {
		t.Errorf("error:\n got %s\nwant %s", err, wantErr)
	}
	rel, err := cfg.Store.Get(t.Context(), "web", 1)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Status != release.StatusFailed || rel.Description != "Install interrupted: interrupt signal received" {
		t.Errorf("revision 1: %s %q, want failed, interrupted", rel.Status, rel.Description)
	}
	if names := liveNames(t, dyn, configMaps, ns); len(names) != 0 {
		t.Errorf("config maps after an interrupted pre-install hook: %v, want none", names)
	}
	// The lock was released: the next install goes ahead at once, its
	// pre-install Job (recreated) completing.
	old := getObject(t, dyn, jobs, ns, "migrate")
	if old == nil {
		t.Fatal("the interrupted hook's Job is gone")
	}
	played := finishNewJob(t, dyn, ns, "migrate", true, string(old.GetUID()))
	next, _, err := action.Install(t.Context(), cfg, hookChart(t), values,
		action.InstallOptions{Name: "web", ApplySettings: action.ApplySettings{LockTimeout: time.Second}})
	if perr := <-played; perr != nil {
		t.Fatalf("play the Job controller: %v", perr)
	}
	if err != nil {
		t.Fatalf("install after the interrupted one: %v", err)
	}
	if next.Revision != 2 || next.Status != release.StatusDeployed {
		t.Errorf("next install: revision %d %s, want 2 deployed", next.Revision, next.Status)
	}
}
