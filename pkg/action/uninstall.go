package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// UninstallOptions tune Uninstall.
type UninstallOptions struct {
	// KeepHistory keeps the records, the last marked uninstalled.
	KeepHistory bool
	// DryRun deletes with server-side dry run and records nothing.
	DryRun bool
	// Description replaces the description recorded with KeepHistory.
	Description string
	// Concurrency bounds the objects deleted at once.
	Concurrency int
	// LockTimeout is how long to wait for another client's lock.
	LockTimeout time.Duration
	// NoHooks skips the pre-delete and post-delete hooks (--no-hooks).
	NoHooks bool
	// Timeout bounds each hook; 0 is DefaultHookTimeout.
	Timeout time.Duration
}

// UninstallResult is what Uninstall did to one release.
type UninstallResult struct {
	// Release is the last revision, marked uninstalled (recorded so only
	// with KeepHistory).
	Release *release.Release
	// Changes lists the deleted and skipped objects.
	Changes *kube.ChangeSet
}

// Uninstall deletes the objects of each release's last revision in reverse
// install order (objects annotated helm.sh/resource-policy: keep, and
// objects another release owns, stay), then deletes its records, or with
// KeepHistory marks the last one uninstalled. It goes on with the other
// releases after an error and returns the errors joined.
func Uninstall(ctx context.Context, cfg *Configuration, names []string, opts UninstallOptions) ([]UninstallResult, error) {
	var results []UninstallResult
	var errs []error
	for _, name := range names {
		res, err := uninstallOne(ctx, cfg, name, opts)
		if res.Release != nil {
			results = append(results, res)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return results, errors.Join(errs...)
}

func uninstallOne(ctx context.Context, cfg *Configuration, name string, opts UninstallOptions) (UninstallResult, error) {
	if err := release.ValidateName(name); err != nil {
		return UninstallResult{}, err
	}
	if opts.DryRun {
		last, err := lastInstalled(ctx, cfg, name)
		if err != nil {
			return UninstallResult{}, err
		}
		cs, err := deleteObjects(ctx, cfg, last, opts)
		return UninstallResult{Release: last, Changes: cs}, err
	}
	var res UninstallResult
	err := withLock(ctx, cfg, name, opts.LockTimeout, func(ctx context.Context) error {
		var err error
		res, err = uninstallLocked(ctx, cfg, name, opts)
		return err
	})
	return res, err
}

func uninstallLocked(ctx context.Context, cfg *Configuration, name string, opts UninstallOptions) (UninstallResult, error) {
	last, err := lastInstalled(ctx, cfg, name)
	if err != nil {
		return UninstallResult{}, err
	}
	last.Status = release.StatusUninstalling
	last.Description = "Deletion in progress"
	if err := cfg.Store.Update(ctx, last); err != nil {
		return UninstallResult{}, fmt.Errorf("record release %q uninstalling: %w", name, err)
	}
	if err := deleteHooks(ctx, cfg, last, release.HookPreDelete, opts); err != nil {
		return UninstallResult{Release: last}, fmt.Errorf("uninstall release %q: %w", name, err)
	}
	cs, err := deleteObjects(ctx, cfg, last, opts)
	res := UninstallResult{Release: last, Changes: cs}
	if err != nil {
		return res, fmt.Errorf("uninstall release %q: %w", name, err)
	}
	// As in Helm, a failed post-delete hook does not stop the uninstall: it
	// is reported once the release is gone.
	hookErr := deleteHooks(ctx, cfg, last, release.HookPostDelete, opts)
	if hookErr != nil {
		hookErr = fmt.Errorf("uninstall release %q: %w", name, hookErr)
	}
	last.Status = release.StatusUninstalled
	last.Description = opts.Description
	if last.Description == "" {
		last.Description = descUninstall
	}
	last.Deleted = cfg.now()
	if !opts.KeepHistory {
		return res, errors.Join(hookErr, deleteRecords(ctx, cfg, name))
	}
	if err := cfg.Store.Update(ctx, last); err != nil {
		return res, errors.Join(hookErr, fmt.Errorf("record release %q uninstalled: %w", name, err))
	}
	return res, hookErr
}

// deleteHooks runs the delete hooks of event for rel, unless opts.NoHooks.
func deleteHooks(ctx context.Context, cfg *Configuration, rel *release.Release, event release.HookEvent, opts UninstallOptions) error {
	if opts.NoHooks {
		return nil
	}
	return runHooks(ctx, cfg, hookRun{
		rel: rel, event: event, timeout: opts.Timeout, record: true,
		settings: ApplySettings{Concurrency: opts.Concurrency},
	})
}

// lastInstalled reads the last revision, refusing a release that was
// uninstalled already.
func lastInstalled(ctx context.Context, cfg *Configuration, name string) (*release.Release, error) {
	last, err := release.Last(ctx, cfg.Store, name)
	if err != nil {
		return nil, fmt.Errorf("read release %q: %w", name, err)
	}
	if last.Status == release.StatusUninstalled {
		return nil, fmt.Errorf("uninstall release %q: %w already", name, ErrUninstalled)
	}
	return last, nil
}

func deleteObjects(ctx context.Context, cfg *Configuration, rel *release.Release, opts UninstallOptions) (*kube.ChangeSet, error) {
	refs, err := manifestRefs(fmt.Sprintf("release %q revision %d", rel.Name, rel.Revision), rel.Manifest)
	if err != nil {
		return nil, err
	}
	// After a failed upgrade the deployed revision, and the failed ones
	// since, may have objects the last revision does not list.
	deployed, err := release.Deployed(ctx, cfg.Store, rel.Name)
	switch {
	case err == nil && deployed.Revision != rel.Revision:
		more, _, err := staleRefs(ctx, cfg, deployed)
		if err != nil {
			return nil, err
		}
		refs = uniqueRefs(append(refs, more...))
	case err != nil && !errors.Is(err, release.ErrNotFound):
		return nil, fmt.Errorf("read deployed revision of release %q: %w", rel.Name, err)
	}
	return cfg.Kube.Delete(ctx, refs, kube.DeleteOptions{
		Namespace: cfg.Namespace, Owner: cfg.owner(rel.Name), DryRun: opts.DryRun, Concurrency: opts.Concurrency,
	})
}

func deleteRecords(ctx context.Context, cfg *Configuration, name string) error {
	history, err := cfg.Store.History(ctx, name)
	if err != nil {
		return fmt.Errorf("read history of release %q: %w", name, err)
	}
	var errs []error
	for _, s := range history {
		if err := cfg.Store.Delete(ctx, name, s.Revision); err != nil && !errors.Is(err, release.ErrNotFound) {
			errs = append(errs, fmt.Errorf("delete release %q revision %d: %w", name, s.Revision, err))
		}
	}
	return errors.Join(errs...)
}

// uniqueRefs drops repeated refs (same group, kind, namespace and name),
// keeping the first.
func uniqueRefs(refs []kube.ObjectRef) []kube.ObjectRef {
	seen := map[kube.ObjectRef]bool{}
	out := refs[:0]
	for _, r := range refs {
		key := kube.ObjectRef{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
		if !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}
