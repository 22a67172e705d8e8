package action

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// reinstallStaleRefs returns the objects that earlier revisions of a
// release being installed again may have left in the cluster: those of
// every failed revision after its last uninstalled one. Uninstall deleted
// the objects of the revisions before; a failed revision may have created
// objects before it failed, or been killed mid-apply.
func reinstallStaleRefs(ctx context.Context, cfg *Configuration, name string) ([]kube.ObjectRef, error) {
	history, err := cfg.Store.History(ctx, name)
	if errors.Is(err, release.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history of release %q: %w", name, err)
	}
	var refs []kube.ObjectRef
	for i := len(history) - 1; i >= 0 && history[i].Status != release.StatusUninstalled; i-- {
		if history[i].Status != release.StatusFailed {
			continue
		}
		failed, err := cfg.Store.Get(ctx, name, history[i].Revision)
		if err != nil {
			return nil, fmt.Errorf("read release %q revision %d: %w", name, history[i].Revision, err)
		}
		r, err := manifestRefs(fmt.Sprintf("release %q revision %d", name, failed.Revision), failed.Manifest)
		if err != nil {
			return nil, err
		}
		refs = append(refs, r...)
	}
	return refs, nil
}

// pruneFailedInstalls deletes, after an install applied objs, the objects
// that failed revisions of the release left (reinstallStaleRefs) and objs
// no longer render, as upgrade prunes them; still owned by the release and
// not kept by helm.sh/resource-policy. What it did is added to cs.
func pruneFailedInstalls(ctx context.Context, cfg *Configuration, opts InstallOptions,
	objs []*unstructured.Unstructured, cs *kube.ChangeSet,
) error {
	stale, err := reinstallStaleRefs(ctx, cfg, opts.Name)
	if err != nil || len(stale) == 0 {
		return err
	}
	pruned, err := cfg.Kube.Prune(ctx, stale, kube.RefsOf(flattened(objs)), kube.DeleteOptions{
		Namespace: cfg.Namespace, Owner: cfg.owner(opts.Name), Concurrency: opts.Concurrency,
	})
	if pruned != nil {
		cs.Add(pruned.Entries...)
	}
	if err != nil {
		return fmt.Errorf("prune objects of failed revisions of release %q: %w", opts.Name, err)
	}
	return nil
}
