package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// RollbackOptions tune Rollback.
type RollbackOptions struct {
	ApplySettings
	// Revision is the revision to roll back to; 0 is the one before the
	// last.
	Revision int
	// Origin is who rolls back, recorded in the revision's provenance
	// beside the chart and values of the revision rolled back to.
	Origin *Origin
}

// Rollback re-applies the manifest of an earlier revision of release name
// as a new revision (recorded pending-rollback first), prunes the objects
// of the deployed revision that the target does not have, and records the
// outcome as Upgrade does. DryRunClient only reads the target; DryRunServer
// also applies it with server-side dry run.
func Rollback(ctx context.Context, cfg *Configuration, name string, opts RollbackOptions) (*release.Release, *kube.ChangeSet, error) {
	if err := release.ValidateName(name); err != nil {
		return nil, nil, err
	}
	if opts.DryRun != DryRunNone {
		return rollbackDryRun(ctx, cfg, name, opts)
	}
	var rel *release.Release
	var cs *kube.ChangeSet
	err := withLock(ctx, cfg, name, opts.LockTimeout, func(ctx context.Context) error {
		var err error
		rel, cs, err = rollbackLocked(ctx, cfg, name, opts)
		return err
	})
	cfg.emitDone(rel, err)
	return rel, cs, err
}

// rollbackLocked is Rollback holding the release lock, also used by
// upgrade --rollback-on-failure. It runs the target's pre-rollback and
// post-rollback hooks around the apply.
func rollbackLocked(ctx context.Context, cfg *Configuration, name string, opts RollbackOptions) (*release.Release, *kube.ChangeSet, error) {
	last, current, target, err := rollbackTarget(ctx, cfg, name, opts.Revision)
	if err != nil {
		return nil, nil, err
	}
	if err := pruneHistory(ctx, cfg, name, opts.MaxHistory); err != nil {
		return nil, nil, err
	}
	rel := rollbackRevision(cfg, last, target)
	rel.Provenance = rollbackProvenance(target, opts.Origin)
	objs, err := parseManifest(fmt.Sprintf("release %q revision %d", name, target.Revision), target.Manifest)
	if err != nil {
		return nil, nil, err
	}
	return deployRevision(ctx, cfg, deployment{
		rel: rel, objs: objs, previous: current, settings: opts.ApplySettings,
		operation: "Rollback", description: fmt.Sprintf("Rollback to %d", target.Revision),
		preHook: release.HookPreRollback, postHook: release.HookPostRollback,
	})
}

// rollbackTarget reads the last revision, the one being replaced and the
// one to roll back to.
func rollbackTarget(ctx context.Context, cfg *Configuration, name string, revision int) (last, current, target *release.Release, err error) {
	last, current, err = currentRelease(ctx, cfg, name)
	if err != nil {
		return nil, nil, nil, err
	}
	if revision == 0 {
		revision = last.Revision - 1
	}
	if revision < 1 {
		return nil, nil, nil, fmt.Errorf("roll back release %q: %w: it has only revision %d", name, ErrNothingToRollback, last.Revision)
	}
	target, err = cfg.Store.Get(ctx, name, revision)
	if errors.Is(err, release.ErrNotFound) {
		return nil, nil, nil, fmt.Errorf("roll back release %q: revision %d: %w", name, revision, err)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read release %q revision %d: %w", name, revision, err)
	}
	return last, current, target, nil
}

// rollbackRevision is the new revision that re-deploys target.
func rollbackRevision(cfg *Configuration, last, target *release.Release) *release.Release {
	return &release.Release{
		Name:          target.Name,
		Namespace:     cfg.Namespace,
		Revision:      last.Revision + 1,
		Status:        release.StatusPendingRollback,
		Description:   fmt.Sprintf("Rolling back to %d", target.Revision),
		Chart:         target.Chart,
		Values:        target.Values,
		Config:        target.Config,
		Manifest:      target.Manifest,
		Hooks:         copyHooks(target.Hooks),
		Notes:         target.Notes,
		Labels:        target.Labels,
		Provenance:    rollbackProvenance(target, nil),
		FirstDeployed: last.FirstDeployed,
		LastDeployed:  cfg.now(),
	}
}

func rollbackDryRun(ctx context.Context, cfg *Configuration, name string, opts RollbackOptions) (*release.Release, *kube.ChangeSet, error) {
	last, _, target, err := rollbackTarget(ctx, cfg, name, opts.Revision)
	if err != nil {
		return nil, nil, err
	}
	rel := rollbackRevision(cfg, last, target)
	rel.Provenance = rollbackProvenance(target, opts.Origin)
	rel.Description = descDryRun
	if opts.DryRun == DryRunClient {
		return rel, nil, nil
	}
	objs, err := parseManifest(fmt.Sprintf("release %q revision %d", name, target.Revision), target.Manifest)
	if err != nil {
		return nil, nil, err
	}
	cs, err := cfg.Kube.Apply(ctx, objs, applyOptions(cfg, name, opts.ApplySettings))
	if err != nil {
		return rel, cs, fmt.Errorf("dry-run rollback of release %q: %w", name, err)
	}
	return rel, cs, nil
}

// copyHooks copies hooks, so that the new revision records its own runs.
func copyHooks(hooks []*release.Hook) []*release.Hook {
	out := make([]*release.Hook, len(hooks))
	for i, h := range hooks {
		c := *h
		out[i] = &c
	}
	return out
}
