package action

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// UpgradeOptions tune Upgrade.
type UpgradeOptions struct {
	ApplySettings
	RenderOptions
	// Name is the release name.
	Name string
	// Install installs the release if it has no revision yet.
	Install bool
	// CreateNamespace creates the namespace when Install installs.
	CreateNamespace bool
	// SkipCRDs leaves out the chart's crds/ files when Install installs
	// (an upgrade never applies them).
	SkipCRDs bool
	// Values says how new values combine with the current release's.
	Values ValuesPolicy
	// RollbackOnFailure rolls a failed upgrade back to the last successful
	// revision (--rollback-on-failure, --atomic), or uninstalls a failed
	// install; the failed revision stays recorded with its reason.
	RollbackOnFailure bool
	// Labels are merged over the labels of the revision the upgrade starts
	// from, as Helm merges them; UnsetLabels are removed from them.
	Labels      map[string]string
	UnsetLabels []string
	// Provenance is recorded with the revision, with the digest of its
	// values; see NewProvenance.
	Provenance *release.Provenance
}

// Upgrade renders c for the next revision of release opts.Name, records it
// pending-upgrade, applies it and, after a successful apply, deletes the
// objects of the previously deployed revision that it no longer renders
// (keeping those annotated helm.sh/resource-policy: keep) and marks that
// revision superseded. A failed apply records the revision failed and
// prunes nothing. With Install, a release without revisions, or one
// uninstalled with its history kept, is installed.
// Upgrade does not touch the chart's crds/ files, as Helm does not.
func Upgrade(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts UpgradeOptions,
) (*release.Release, *kube.ChangeSet, error) {
	if err := release.ValidateName(opts.Name); err != nil {
		return nil, nil, err
	}
	if err := release.ValidateLabels(opts.Labels); err != nil {
		return nil, nil, err
	}
	if err := refuseHelmRelease(ctx, cfg, opts.Name); err != nil {
		return nil, nil, err
	}
	if opts.DryRun != DryRunNone {
		return upgradeDryRun(ctx, cfg, c, user, opts)
	}
	nsCS, err := ensureNamespace(ctx, cfg, opts.Install && opts.CreateNamespace, opts.ApplySettings)
	if err != nil {
		return nil, nsCS, err
	}
	var rel *release.Release
	var cs *kube.ChangeSet
	err = withLock(ctx, cfg, opts.Name, opts.LockTimeout, func(ctx context.Context) error {
		var err error
		rel, cs, err = upgradeLocked(ctx, cfg, c, user, opts)
		return err
	})
	cfg.emitDone(rel, err)
	return rel, prepend(nsCS, cs), err
}

func upgradeLocked(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts UpgradeOptions,
) (*release.Release, *kube.ChangeSet, error) {
	r, current, install, err := planUpgrade(ctx, cfg, c, user, opts)
	if install {
		return installLocked(ctx, cfg, c, user, installOptionsOf(opts))
	}
	if err != nil {
		return nil, nil, err
	}
	if err := pruneHistory(ctx, cfg, opts.Name, opts.MaxHistory); err != nil {
		return nil, nil, err
	}
	r.rel.Description = "Upgrading"
	rel, cs, err := deployRevision(ctx, cfg, deployment{
		rel: r.rel, objs: r.objs, previous: current, settings: opts.ApplySettings,
		operation: "Upgrade", description: descUpgrade,
		preHook: release.HookPreUpgrade, postHook: release.HookPostUpgrade,
	})
	if err != nil && rel != nil && opts.RollbackOnFailure {
		return rollbackFailedUpgrade(ctx, cfg, rel, cs, err, opts.ApplySettings)
	}
	return rel, cs, err
}

// planUpgrade reads release opts.Name and renders its next revision,
// pending-upgrade, with the deployed revision the upgrade starts from.
// install is true when opts.Install applies and there is nothing to
// upgrade (no revision, or uninstalled): the caller installs instead.
func planUpgrade(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts UpgradeOptions,
) (r *rendered, current *release.Release, install bool, err error) {
	last, current, err := currentRelease(ctx, cfg, opts.Name)
	if opts.Install && (errors.Is(err, release.ErrNotFound) || errors.Is(err, ErrUninstalled)) {
		return nil, nil, true, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	user = upgradeValues(opts.Values, c, current, user)
	r, err = renderRevision(ctx, cfg, c, user, opts.Name, last.Revision+1, false, opts.RenderOptions)
	if err != nil {
		return nil, nil, false, err
	}
	r.rel.Status = release.StatusPendingUpgrade
	r.rel.FirstDeployed, r.rel.LastDeployed = last.FirstDeployed, cfg.now()
	r.rel.Labels = mergeLabels(current.Labels, opts.Labels, opts.UnsetLabels)
	stampProvenance(r.rel, opts.Provenance)
	return r, current, false, nil
}

// currentRelease reads the last revision of release name and the one an
// upgrade starts from: the deployed revision, or the last one when none is
// deployed. ErrNotFound when the release has no revision; ErrUninstalled
// when its last revision is uninstalled.
func currentRelease(ctx context.Context, cfg *Configuration, name string) (last, current *release.Release, err error) {
	last, err = release.Last(ctx, cfg.Store, name)
	if err != nil {
		return nil, nil, fmt.Errorf("read release %q: %w", name, err)
	}
	if last.Status == release.StatusUninstalled {
		return nil, nil, fmt.Errorf("upgrade release %q: %w (install it again)", name, ErrUninstalled)
	}
	current, err = release.Deployed(ctx, cfg.Store, name)
	if errors.Is(err, release.ErrNotFound) {
		return last, last, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read deployed revision of release %q: %w", name, err)
	}
	return last, current, nil
}

func installOptionsOf(opts UpgradeOptions) InstallOptions {
	return InstallOptions{
		ApplySettings: opts.ApplySettings, RenderOptions: opts.RenderOptions,
		Name: opts.Name, CreateNamespace: opts.CreateNamespace, SkipCRDs: opts.SkipCRDs,
		RollbackOnFailure: opts.RollbackOnFailure, Labels: mergeLabels(nil, opts.Labels, opts.UnsetLabels),
		Provenance: opts.Provenance,
	}
}

func upgradeDryRun(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts UpgradeOptions,
) (*release.Release, *kube.ChangeSet, error) {
	opts.clientDryRun = opts.DryRun == DryRunClient
	r, _, install, err := planUpgrade(ctx, cfg, c, user, opts)
	if install {
		return installDryRun(ctx, cfg, c, user, installOptionsOf(opts))
	}
	if err != nil {
		return nil, nil, err
	}
	r.rel.Description = descDryRun
	if opts.DryRun == DryRunClient {
		return r.rel, nil, nil
	}
	cs, err := cfg.Kube.Apply(ctx, r.objs, applyOptions(cfg, opts.Name, opts.ApplySettings))
	if err != nil {
		return r.rel, cs, fmt.Errorf("dry-run upgrade of release %q: %w", opts.Name, err)
	}
	return r.rel, cs, nil
}

// mergeLabels returns base with set over it and unset removed; nil when
// nothing is left.
func mergeLabels(base, set map[string]string, unset []string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, set)
	for _, k := range unset {
		delete(out, k)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
