package action_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

func TestInstallWaitsForTheLockThenFails(t *testing.T) {
	cfg, _ := newConfig(t)
	ctx := t.Context()
	other, _ := configFor(t, cfg.Namespace)
	other.Locker = release.NewLocker(mustClients(t).Kube, cfg.Namespace, release.WithIdentity("someone-else"))
	lock, err := other.Locker.Acquire(ctx, "web", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Release(ctx) }()
	_, _, err = action.Install(ctx, cfg, configMapChart(t), nil,
		action.InstallOptions{Name: "web", ApplySettings: action.ApplySettings{LockTimeout: time.Second}})
	if !errors.Is(err, release.ErrLocked) || !strings.Contains(err.Error(), "someone-else") {
		t.Fatalf("install under another's lock: err = %v, want ErrLocked naming someone-else", err)
	}
	if _, err := cfg.Store.History(ctx, "web"); !errors.Is(err, release.ErrNotFound) {
		t.Errorf("a locked-out install recorded something: %v", err)
	}
}

func TestUpgradeRecoversInterruptedRevision(t *testing.T) {
	cfg, _ := newConfig(t)
	ctx := t.Context()
	rel, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	// A client died after recording revision 2 and before applying it.
	interrupted := *rel
	interrupted.Revision, interrupted.Status, interrupted.ResourceVersion = 2, release.StatusPendingUpgrade, ""
	if err := cfg.Store.Create(ctx, &interrupted); err != nil {
		t.Fatal(err)
	}
	if _, _, err := action.Upgrade(ctx, cfg, configMapChart(t), nil, action.UpgradeOptions{Name: "web"}); err != nil {
		t.Fatalf("upgrade after an interrupted one: %v", err)
	}
	if diff := cmp.Diff([]string{"1:superseded", "2:failed", "3:deployed"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func mustClients(t *testing.T) release.Clients {
	t.Helper()
	clients, err := release.NewClients(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return clients
}
