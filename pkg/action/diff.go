package action

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// DiffResult is what an install, upgrade or rollback would do, computed
// with server-side dry runs: nothing was changed or recorded.
type DiffResult struct {
	// Release is the revision that would be recorded.
	Release *release.Release
	// Objects says what would happen to each object, in install order,
	// deletions last. Secrets are masked.
	Objects []kube.ObjectDiff
	// BaseRevision is the last revision of the release the diff started
	// from; 0 for an install.
	BaseRevision int

	// prune are the refs of the replaced revisions, for plans.
	prune []kube.ObjectRef
}

// DiffSummary counts the objects of a diff by action.
type DiffSummary struct {
	Create    int `json:"create"`
	Change    int `json:"change"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Replace   int `json:"replace"`
}

// Summary counts the objects of r by action.
func (r *DiffResult) Summary() DiffSummary {
	var s DiffSummary
	for _, d := range r.Objects {
		switch d.Action {
		case kube.DiffCreate:
			s.Create++
		case kube.DiffChange:
			s.Change++
		case kube.DiffDelete:
			s.Delete++
		case kube.DiffUnchanged:
			s.Unchanged++
		case kube.DiffReplace:
			s.Replace++
		}
	}
	return s
}

// Changed reports whether applying would create, change, delete or
// replace anything.
func (s DiffSummary) Changed() bool { return s.Create+s.Change+s.Delete+s.Replace > 0 }

// DiffUpgrade computes what Upgrade with the same arguments would do: it
// renders the next revision as Upgrade does and diffs it against the live
// objects, with the objects of the replaced revision that it no longer has
// as deletions. With opts.Install and nothing to upgrade, it is
// DiffInstall. opts.DryRun is ignored.
func DiffUpgrade(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts UpgradeOptions,
) (*DiffResult, error) {
	if err := release.ValidateName(opts.Name); err != nil {
		return nil, err
	}
	r, current, install, err := planUpgrade(ctx, cfg, c, user, opts)
	if install {
		return DiffInstall(ctx, cfg, c, user, installOptionsOf(opts))
	}
	if err != nil {
		return nil, err
	}
	prune, latest, err := staleRefs(ctx, cfg, current)
	if err != nil {
		return nil, err
	}
	objects, err := cfg.Kube.Diff(ctx, r.objs, kube.DiffOptions{
		ApplyOptions: deployApplyOptions(cfg, opts.Name, opts.ApplySettings, current, latest), Prune: prune,
	})
	if err != nil {
		return nil, fmt.Errorf("compare revision %d with the live objects: %w", r.rel.Revision, err)
	}
	return &DiffResult{Release: r.rel, Objects: objects, BaseRevision: r.rel.Revision - 1, prune: prune}, nil
}

// DiffInstall computes what Install with the same arguments would do:
// the release namespace with CreateNamespace, the chart's crds/ files
// unless SkipCRDs, and its objects. A release that Install would refuse
// is refused. opts.DryRun is ignored.
func DiffInstall(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any,
	opts InstallOptions,
) (*DiffResult, error) {
	if err := release.ValidateName(opts.Name); err != nil {
		return nil, err
	}
	revision, err := nextInstallRevision(ctx, cfg, opts.Name)
	if err != nil {
		return nil, err
	}
	r, err := renderRevision(ctx, cfg, c, user, opts.Name, revision, true, opts.RenderOptions)
	if err != nil {
		return nil, err
	}
	r.rel.Status = release.StatusPendingInstall
	var ns, crds []*unstructured.Unstructured
	if opts.CreateNamespace {
		ns = []*unstructured.Unstructured{namespaceObject(cfg.Namespace)}
	}
	if !opts.SkipCRDs {
		if crds, err = crdObjects(c); err != nil {
			return nil, err
		}
	}
	res := &DiffResult{Release: r.rel}
	if unowned := append(ns, crds...); len(unowned) > 0 {
		objects, err := cfg.Kube.Diff(ctx, unowned, kube.DiffOptions{ApplyOptions: applyOptions(cfg, "", opts.ApplySettings)})
		if err != nil {
			return nil, fmt.Errorf("compare the namespace and CRDs with the live objects: %w", err)
		}
		res.Objects = objects
	}
	objects, err := cfg.Kube.Diff(ctx, r.objs, kube.DiffOptions{
		ApplyOptions: applyOptions(cfg, opts.Name, opts.ApplySettings), CRDs: crds,
	})
	if err != nil {
		return nil, fmt.Errorf("compare revision %d with the live objects: %w", revision, err)
	}
	res.Objects = append(res.Objects, objects...)
	return res, nil
}

// DiffRollback computes what Rollback with the same arguments would do.
// opts.DryRun is ignored.
func DiffRollback(ctx context.Context, cfg *Configuration, name string, opts RollbackOptions) (*DiffResult, error) {
	if err := release.ValidateName(name); err != nil {
		return nil, err
	}
	last, current, target, err := rollbackTarget(ctx, cfg, name, opts.Revision)
	if err != nil {
		return nil, err
	}
	objs, err := parseManifest(fmt.Sprintf("release %q revision %d", name, target.Revision), target.Manifest)
	if err != nil {
		return nil, err
	}
	prune, latest, err := staleRefs(ctx, cfg, current)
	if err != nil {
		return nil, err
	}
	objects, err := cfg.Kube.Diff(ctx, objs, kube.DiffOptions{
		ApplyOptions: deployApplyOptions(cfg, name, opts.ApplySettings, current, latest), Prune: prune,
	})
	if err != nil {
		return nil, fmt.Errorf("compare revision %d with the live objects: %w", target.Revision, err)
	}
	return &DiffResult{Release: rollbackRevision(cfg, last, target), Objects: objects, BaseRevision: last.Revision}, nil
}
