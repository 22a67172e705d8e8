package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// failInstall records the install revision rel failed and, with
// RollbackOnFailure, uninstalls what it created: the pre-delete hooks, the
// objects of its manifest, the post-delete hooks, as Helm's --atomic does.
// The failed revision stays recorded, its description saying it was
// uninstalled, so that history keeps the reason. An interrupted install is
// not rolled back: the user asked berth to stop.
func failInstall(ctx context.Context, cfg *Configuration, rel *release.Release, opts InstallOptions, cause error) error {
	err := fail(ctx, cfg, rel, "Install", cause)
	if !opts.RollbackOnFailure || errors.Is(err, ErrInterrupted) {
		return err
	}
	if uerr := removeFailedInstall(ctx, cfg, rel, opts.ApplySettings); uerr != nil {
		return fmt.Errorf("%w; uninstalling it (rollback on failure) failed too: %w", err, uerr)
	}
	rel.Description += "; uninstalled (rollback on failure)"
	recCtx, cancel := recordContext(ctx)
	defer cancel()
	if uerr := cfg.Store.Update(recCtx, rel); uerr != nil {
		return errors.Join(err, fmt.Errorf("record release %q revision %d uninstalled: %w", rel.Name, rel.Revision, uerr))
	}
	return fmt.Errorf("%w; release %q was uninstalled (rollback on failure)", err, rel.Name)
}

// removeFailedInstall deletes the objects of the failed install rel,
// running its delete hooks around, unless s.NoHooks.
func removeFailedInstall(ctx context.Context, cfg *Configuration, rel *release.Release, s ApplySettings) error {
	if err := releaseHooks(ctx, cfg, rel, release.HookPreDelete, s); err != nil {
		return err
	}
	if _, err := deleteObjects(ctx, cfg, rel, UninstallOptions{Concurrency: s.Concurrency}); err != nil {
		return err
	}
	return releaseHooks(ctx, cfg, rel, release.HookPostDelete, s)
}

// rollbackFailedUpgrade rolls release failed.Name back to its last
// successful revision (deployed or superseded) before failed, as a new
// revision, after the upgrade failed with cause. It returns the rollback's
// revision and the changes of both, and an error that says the upgrade
// failed and was rolled back: the command did not do what was asked. An
// interrupted upgrade is not rolled back.
func rollbackFailedUpgrade(ctx context.Context, cfg *Configuration, failed *release.Release, cs *kube.ChangeSet,
	cause error, s ApplySettings,
) (*release.Release, *kube.ChangeSet, error) {
	if errors.Is(cause, ErrInterrupted) {
		return failed, cs, cause
	}
	target, err := lastSuccessful(ctx, cfg, failed.Name, failed.Revision)
	if err != nil {
		return failed, cs, fmt.Errorf("%w; cannot roll back: %w", cause, err)
	}
	s.Description = ""
	rolled, rcs, err := rollbackLocked(ctx, cfg, failed.Name, RollbackOptions{
		ApplySettings: s, Revision: target, Origin: originOf(failed.Provenance),
	})
	if err != nil {
		return failed, prepend(cs, rcs), fmt.Errorf("%w; rolling back to revision %d failed too: %w", cause, target, err)
	}
	return rolled, prepend(cs, rcs), fmt.Errorf("%w; rolled back to revision %d as revision %d (rollback on failure)",
		cause, target, rolled.Revision)
}

// lastSuccessful returns the highest revision of release name below
// before that was deployed or superseded: the last one known to have
// worked.
func lastSuccessful(ctx context.Context, cfg *Configuration, name string, before int) (int, error) {
	history, err := cfg.Store.History(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("read history of release %q: %w", name, err)
	}
	for i := len(history) - 1; i >= 0; i-- {
		s := history[i]
		if s.Revision < before && (s.Status == release.StatusDeployed || s.Status == release.StatusSuperseded) {
			return s.Revision, nil
		}
	}
	return 0, fmt.Errorf("release %q has no successful revision before %d: %w", name, before, ErrNothingToRollback)
}
