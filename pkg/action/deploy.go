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
}

// deployRevision records d.rel, applies its objects, prunes the objects of
// d.previous no longer rendered and records the outcome.
func deployRevision(ctx context.Context, cfg *Configuration, d deployment) (*release.Release, *kube.ChangeSet, error) {
	rel := d.rel
	prevRefs, err := manifestRefs(fmt.Sprintf("release %q revision %d", rel.Name, d.previous.Revision), d.previous.Manifest)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.Store.Create(ctx, rel); err != nil {
		return nil, nil, fmt.Errorf("record release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	cs, err := cfg.Kube.Apply(ctx, d.objs, applyOptions(cfg, rel.Name, d.settings))
	if err != nil {
		return rel, cs, fail(ctx, cfg, rel, d.operation, err)
	}
	// Only the previous deployed revision's objects are pruned: a failed
	// one's may never have been applied, or only partly.
	if d.previous.Status == release.StatusDeployed {
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
	return rel, cs, succeed(ctx, cfg, rel, d.settings.Description, d.description)
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
