package action

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// deployment is a new revision to record, apply and prune for: what
// upgrade and rollback share.
type deployment struct {
	// rel is the new revision, with its pending status set.
	rel  *release.Release
	objs []*unstructured.Unstructured
	// previous is the revision whose objects the new one replaces.
	previous    *release.Release
	settings    ApplySettings
	operation   string
	description string
	// preHook and postHook are the hook events run before the apply and
	// after it (and the prune) succeeded.
	preHook, postHook release.HookEvent
}

// deployRevision records d.rel, applies its objects, prunes the objects of
// d.previous (and of the failed revisions since) no longer rendered and
// records the outcome.
func deployRevision(ctx context.Context, cfg *Configuration, d deployment) (*release.Release, *kube.ChangeSet, error) {
	rel := d.rel
	prevRefs, latest, err := staleRefs(ctx, cfg, d.previous)
	if err != nil {
		return nil, nil, err
	}
	opts := deployApplyOptions(cfg, rel.Name, d.settings, d.previous, latest)
	opts.OnApplied = cfg.emitApplied
	rel.Applied = nil
	if err := cfg.Store.Create(ctx, rel); err != nil {
		return nil, nil, fmt.Errorf("record release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	if err := releaseHooks(ctx, cfg, rel, d.preHook, d.settings); err != nil {
		return rel, &kube.ChangeSet{}, fail(ctx, cfg, rel, d.operation, err)
	}
	cs, err := cfg.Kube.Apply(ctx, d.objs, opts)
	if err != nil {
		return rel, cs, fail(ctx, cfg, rel, d.operation, err)
	}
	rel.Applied = cs.AppliedDigests()
	if len(prevRefs) > 0 {
		pruned, err := cfg.Kube.Prune(ctx, prevRefs, kube.RefsOf(flattened(d.objs)), kube.DeleteOptions{
			Namespace: cfg.Namespace, Owner: cfg.owner(rel.Name), Concurrency: d.settings.Concurrency,
		})
		if pruned != nil {
			cs.Add(pruned.Entries...)
		}
		if err != nil {
			return rel, cs, fail(ctx, cfg, rel, d.operation, fmt.Errorf("prune objects of revision %d: %w", d.previous.Revision, err))
		}
	}
	if err := awaitReady(ctx, cfg, cs, d.settings); err != nil {
		return rel, cs, fail(ctx, cfg, rel, d.operation, err)
	}
	if err := releaseHooks(ctx, cfg, rel, d.postHook, d.settings); err != nil {
		return rel, cs, fail(ctx, cfg, rel, d.operation, err)
	}
	return rel, cs, succeed(ctx, cfg, rel, d.settings.Description, d.description)
}

// deployApplyOptions are the apply options of a revision replacing
// previous. When previous is the latest revision (see staleRefs), every
// apply since its own was recorded, and its digests tell which objects an
// apply would not change (kube.ApplyOptions.Applied).
func deployApplyOptions(cfg *Configuration, name string, s ApplySettings, previous *release.Release, latest bool) kube.ApplyOptions {
	opts := applyOptions(cfg, name, s)
	if latest {
		opts.Applied = previous.Applied
	}
	return opts
}

// flattened returns objs with lists replaced by their items; objs that
// cannot be flattened were refused by Apply already, so they are returned
// as they are.
func flattened(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	flat, err := kube.Flatten(objs)
	if err != nil {
		return objs
	}
	return flat
}

// staleRefs returns the objects the new revision replaces: those of the
// previous revision, if it was deployed, and of every failed revision after
// it, which may have created objects before they failed. Prune deletes only
// the ones the release still owns. latest is true when previous is
// deployed and no revision came after it.
func staleRefs(ctx context.Context, cfg *Configuration, previous *release.Release) (refs []kube.ObjectRef, latest bool, err error) {
	after := 0
	if previous.Status == release.StatusDeployed {
		r, err := manifestRefs(fmt.Sprintf("release %q revision %d", previous.Name, previous.Revision), previous.Manifest)
		if err != nil {
			return nil, false, err
		}
		refs, after = r, previous.Revision
	}
	history, err := cfg.Store.History(ctx, previous.Name)
	if err != nil {
		return nil, false, fmt.Errorf("read history of release %q: %w", previous.Name, err)
	}
	latest = after > 0
	for _, s := range history {
		if s.Revision > after {
			latest = false
		}
		if s.Revision <= after || s.Status != release.StatusFailed {
			continue
		}
		failed, err := cfg.Store.Get(ctx, previous.Name, s.Revision)
		if err != nil {
			return nil, false, fmt.Errorf("read release %q revision %d: %w", previous.Name, s.Revision, err)
		}
		r, err := manifestRefs(fmt.Sprintf("release %q revision %d", failed.Name, failed.Revision), failed.Manifest)
		if err != nil {
			return nil, false, err
		}
		refs = append(refs, r...)
	}
	return refs, latest, nil
}
