package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	// Timeout bounds each hook and, with Wait, the wait for the deleted
	// objects to be gone; 0 is DefaultHookTimeout.
	Timeout time.Duration
	// Wait waits, after deleting the objects and before the post-delete
	// hooks, until they are gone (--wait).
	Wait bool
	// Propagation is how the deletion cascades to the objects' dependents
	// (--cascade); empty is background, as in Helm.
	Propagation metav1.DeletionPropagation
	// IgnoreNotFound takes a release that does not exist as uninstalled
	// (--ignore-not-found); its result has NotFound set.
	IgnoreNotFound bool
}

// ParseCascade returns the propagation policy of Helm's --cascade value:
// background, foreground or orphan.
func ParseCascade(value string) (metav1.DeletionPropagation, error) {
	switch value {
	case "background":
		return metav1.DeletePropagationBackground, nil
	case "foreground":
		return metav1.DeletePropagationForeground, nil
	case "orphan":
		return metav1.DeletePropagationOrphan, nil
	}
	return "", fmt.Errorf("invalid cascade value %q: use background, foreground or orphan", value)
}

// UninstallResult is what Uninstall did to one release.
type UninstallResult struct {
	// Name is the release's name.
	Name string
	// NotFound says the release does not exist and IgnoreNotFound took it
	// as uninstalled; Release and Changes are then nil.
	NotFound bool
	// Release is the last revision, marked uninstalled (recorded so only
	// with KeepHistory).
	Release *release.Release
	// Changes lists the deleted and skipped objects.
	Changes *kube.ChangeSet
}

// Uninstall deletes the objects of each release's last revision in reverse
// install order (objects annotated helm.sh/resource-policy: keep, and
// objects another release owns, stay), with opts.Propagation, then, with
// opts.Wait, waits until they are gone, then deletes its records, or with
// KeepHistory marks the last one uninstalled. As in Helm, objects not gone
// within opts.Timeout are reported as an error once the records are
// handled. It goes on with the other releases after an error and returns
// the errors joined.
func Uninstall(ctx context.Context, cfg *Configuration, names []string, opts UninstallOptions) ([]UninstallResult, error) {
	var results []UninstallResult
	var errs []error
	for _, name := range names {
		res, err := uninstallOne(ctx, cfg, name, opts)
		if opts.IgnoreNotFound && errors.Is(err, release.ErrNotFound) {
			res, err = UninstallResult{NotFound: true}, nil
		}
		res.Name = name
		if res.Release != nil || res.NotFound {
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
	// As in Helm, objects not gone in time and a failed post-delete hook do
	// not stop the uninstall: they are reported once the release is gone.
	waitErr := awaitGone(ctx, cfg, cs, opts)
	hookErr := deleteHooks(ctx, cfg, last, release.HookPostDelete, opts)
	hookErr = errors.Join(waitErr, hookErr)
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
		Propagation: opts.Propagation,
	})
}

// awaitGone waits, with opts.Wait, until the objects cs deleted are gone,
// reporting each one's state.
func awaitGone(ctx context.Context, cfg *Configuration, cs *kube.ChangeSet, opts UninstallOptions) error {
	if !opts.Wait || cs == nil {
		return nil
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	err := cfg.Kube.WaitGone(ctx, cs.Entries, kube.WaitOptions{
		Timeout: timeout,
		OnStatus: func(st kube.ObjectStatus) {
			cfg.emit(Event{Type: EventStatus, Object: st.Ref.String(), Status: string(st.Status), Message: st.Message})
		},
	})
	if err != nil {
		return fmt.Errorf("wait for deletion: %w", err)
	}
	return nil
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
