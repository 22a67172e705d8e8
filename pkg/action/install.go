package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// ApplySettings are the cluster settings install, upgrade and rollback
// share.
type ApplySettings struct {
	// DryRun renders only (client) or applies with server-side dry run
	// (server); nothing is recorded either way.
	DryRun DryRun
	// Description replaces the description recorded on success.
	Description string
	// ForceConflicts takes over fields other field managers own.
	ForceConflicts bool
	// ForceReplace deletes and re-creates the objects whose apply changes
	// immutable fields (--force-replace), and only those.
	ForceReplace bool
	// TakeOwnership adopts existing objects of no or another release.
	TakeOwnership bool
	// Concurrency bounds the objects applied at once; 0 is
	// kube.DefaultConcurrency.
	Concurrency int
	// Wait waits, after the apply, until the objects are ready (--wait);
	// a revision whose objects are not ready in time is recorded failed.
	Wait bool
	// Timeout bounds the wait for readiness; 0 is DefaultWaitTimeout.
	Timeout time.Duration
	// WaitForJobs counts Jobs ready only once complete (--wait-for-jobs).
	WaitForJobs bool
	// WaitForStatus are the kinds whose custom resources are never
	// counted ready without a status (--wait-for-status); see kube.Wait.
	WaitForStatus []schema.GroupKind
	// StatusGrace is how long a custom resource whose controller may never
	// write a status is awaited for a first one; 0 is
	// kube.DefaultStatusGrace.
	StatusGrace time.Duration
	// LockTimeout is how long to wait for another client's lock on the
	// release; 0 is DefaultLockTimeout.
	LockTimeout time.Duration
	// MaxHistory is how many revisions to keep; 0 is DefaultMaxHistory,
	// negative keeps all.
	MaxHistory int
	// NoHooks skips the release's hooks (--no-hooks).
	NoHooks bool
}

// InstallOptions tune Install.
type InstallOptions struct {
	ApplySettings
	RenderOptions
	// Name is the release name.
	Name string
	// CreateNamespace creates the release namespace if it does not exist.
	CreateNamespace bool
	// SkipCRDs leaves out the chart's crds/ files.
	SkipCRDs bool
	// RollbackOnFailure uninstalls what a failed install created
	// (--rollback-on-failure, --atomic); the failed revision stays
	// recorded with its reason.
	RollbackOnFailure bool
	// Labels are recorded with the revision and on its record (--labels).
	Labels map[string]string
	// Provenance is recorded with the revision, with the digest of its
	// values; see NewProvenance.
	Provenance *release.Provenance
}

// Install installs chart c as release opts.Name in cfg.Namespace with the
// user's values. It records the pending-install revision before touching
// the cluster, applies the chart's CRDs (crds/) and then its manifest with
// the objects owned by the release, and records the revision deployed, or
// failed with the error as its description. A name whose last revision is
// failed, superseded or uninstalled is installed again as the next
// revision; one that is deployed or in progress is refused
// (ErrReleaseExists).
//
// The release's pre-install hooks run after the pending revision is
// recorded, its post-install hooks after the objects are ready (see
// runHooks); a failed hook fails the install. With RollbackOnFailure a
// failed install is uninstalled again, its revision kept failed.
//
// With DryRunClient Install only renders; with DryRunServer it also applies
// with server-side dry run. Neither records anything or takes the lock.
// The change set is nil for a client dry run.
func Install(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts InstallOptions,
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
		return installDryRun(ctx, cfg, c, user, opts)
	}
	// The namespace first: the lock and the records live in it.
	nsCS, err := ensureNamespace(ctx, cfg, opts.CreateNamespace, opts.ApplySettings)
	if err != nil {
		return nil, nsCS, err
	}
	var rel *release.Release
	var cs *kube.ChangeSet
	err = withLock(ctx, cfg, opts.Name, opts.LockTimeout, func(ctx context.Context) error {
		var err error
		rel, cs, err = installLocked(ctx, cfg, c, user, opts)
		return err
	})
	cfg.emitDone(rel, err)
	return rel, prepend(nsCS, cs), err
}

// ensureNamespace creates the release namespace, unowned, when create is
// set; the change set is empty otherwise.
func ensureNamespace(ctx context.Context, cfg *Configuration, create bool, s ApplySettings) (*kube.ChangeSet, error) {
	if !create {
		return &kube.ChangeSet{}, nil
	}
	cs, err := cfg.Kube.Apply(ctx, []*unstructured.Unstructured{namespaceObject(cfg.Namespace)}, applyOptions(cfg, "", s))
	if err != nil {
		return cs, fmt.Errorf("create namespace %q: %w", cfg.Namespace, err)
	}
	return cs, nil
}

// prepend returns a change set of first's entries then then's.
func prepend(first, then *kube.ChangeSet) *kube.ChangeSet {
	out := &kube.ChangeSet{}
	if first != nil {
		out.Add(first.Entries...)
	}
	if then != nil {
		out.Add(then.Entries...)
	}
	return out
}

func installDryRun(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts InstallOptions,
) (*release.Release, *kube.ChangeSet, error) {
	opts.clientDryRun = opts.DryRun == DryRunClient
	r, err := renderRevision(ctx, cfg, c, user, opts.Name, 1, true, opts.RenderOptions)
	if err != nil {
		return nil, nil, err
	}
	r.rel.Labels = opts.Labels
	stampProvenance(r.rel, opts.Provenance)
	r.rel.Status = release.StatusPendingInstall
	r.rel.Description = descDryRun
	r.rel.FirstDeployed, r.rel.LastDeployed = cfg.now(), cfg.now()
	if opts.DryRun == DryRunClient {
		return r.rel, nil, nil
	}
	var crds []*unstructured.Unstructured
	if !opts.SkipCRDs {
		if crds, err = crdObjects(c); err != nil {
			return r.rel, nil, err
		}
	}
	cs, err := cfg.Kube.Apply(ctx, append(crds, r.objs...), applyOptions(cfg, opts.Name, opts.ApplySettings))
	if err != nil {
		return r.rel, cs, fmt.Errorf("dry-run install of release %q: %w", opts.Name, err)
	}
	return r.rel, cs, nil
}

// installLocked is Install holding the release lock, also used by upgrade
// --install.
func installLocked(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts InstallOptions,
) (*release.Release, *kube.ChangeSet, error) {
	revision, err := nextInstallRevision(ctx, cfg, opts.Name)
	if err != nil {
		return nil, nil, err
	}
	if err := pruneHistory(ctx, cfg, opts.Name, opts.MaxHistory); err != nil {
		return nil, nil, err
	}
	r, err := renderRevision(ctx, cfg, c, user, opts.Name, revision, true, opts.RenderOptions)
	if err != nil {
		return nil, nil, err
	}
	var crds []*unstructured.Unstructured
	if !opts.SkipCRDs {
		if crds, err = crdObjects(c); err != nil {
			return nil, nil, err
		}
	}
	rel := r.rel
	rel.Labels = opts.Labels
	stampProvenance(rel, opts.Provenance)
	rel.Status = release.StatusPendingInstall
	rel.Description = "Installing"
	rel.FirstDeployed, rel.LastDeployed = cfg.now(), cfg.now()
	if err := cfg.Store.Create(ctx, rel); err != nil {
		return nil, nil, fmt.Errorf("record release %q revision %d: %w", opts.Name, revision, err)
	}
	if err := releaseHooks(ctx, cfg, rel, release.HookPreInstall, opts.ApplySettings); err != nil {
		return rel, &kube.ChangeSet{}, failInstall(ctx, cfg, rel, opts, err)
	}
	cs, err := installObjects(ctx, cfg, opts, crds, r.objs)
	if err != nil {
		return rel, cs, failInstall(ctx, cfg, rel, opts, err)
	}
	rel.Applied = cs.AppliedDigests()
	if err := awaitReady(ctx, cfg, cs, opts.ApplySettings); err != nil {
		return rel, cs, failInstall(ctx, cfg, rel, opts, err)
	}
	if err := releaseHooks(ctx, cfg, rel, release.HookPostInstall, opts.ApplySettings); err != nil {
		return rel, cs, failInstall(ctx, cfg, rel, opts, err)
	}
	return rel, cs, succeed(ctx, cfg, rel, opts.Description, descInstall)
}

// nextInstallRevision returns 1 for a new release, or the next revision
// of one whose revisions all ended (failed, superseded, uninstalled).
func nextInstallRevision(ctx context.Context, cfg *Configuration, name string) (int, error) {
	history, err := cfg.Store.History(ctx, name)
	if errors.Is(err, release.ErrNotFound) || (err == nil && len(history) == 0) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read history of release %q: %w", name, err)
	}
	for _, s := range history {
		if s.Status == release.StatusDeployed || s.Status.IsPending() || s.Status == release.StatusUninstalling {
			return 0, fmt.Errorf("install release %q: revision %d is %s: %w (use upgrade to change it)",
				name, s.Revision, s.Status, ErrReleaseExists)
		}
	}
	return history[len(history)-1].Revision + 1, nil
}

// installObjects applies the CRDs of crds/ (not owned by the release: Helm
// never upgrades or deletes them), then the release's objects, then prunes
// what failed revisions of an earlier install left and objs no longer
// render.
func installObjects(ctx context.Context, cfg *Configuration, opts InstallOptions,
	crds, objs []*unstructured.Unstructured,
) (*kube.ChangeSet, error) {
	cs := &kube.ChangeSet{}
	if len(crds) > 0 {
		crdOpts := applyOptions(cfg, "", opts.ApplySettings)
		crdOpts.OnApplied = cfg.emitApplied
		crdCS, err := cfg.Kube.Apply(ctx, crds, crdOpts)
		cs.Add(crdCS.Entries...)
		if err != nil {
			return cs, err
		}
	}
	mainOpts := applyOptions(cfg, opts.Name, opts.ApplySettings)
	mainOpts.OnApplied = cfg.emitApplied
	mainCS, err := cfg.Kube.Apply(ctx, objs, mainOpts)
	cs.Add(mainCS.Entries...)
	if err != nil {
		return cs, err
	}
	return cs, pruneFailedInstalls(ctx, cfg, opts, objs, cs)
}

func namespaceObject(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
}

// applyOptions are the kube apply options for release name; "" applies
// without an owner (namespace, crds/).
func applyOptions(cfg *Configuration, name string, s ApplySettings) kube.ApplyOptions {
	o := kube.ApplyOptions{
		Namespace:     cfg.Namespace,
		TakeOwnership: s.TakeOwnership,
		Force:         s.ForceConflicts,
		DryRun:        s.DryRun == DryRunServer,
		Concurrency:   s.Concurrency,
		ForceReplace:  s.ForceReplace,
		// A replaced object must be gone within the wait's timeout.
		ReplaceTimeout: s.waitTimeout(),
	}
	if name != "" {
		o.Owner = cfg.owner(name)
	}
	return o
}
