package action

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// StackReleasePlan is what applying would do to one release.
type StackReleasePlan struct {
	Name      string
	Namespace string
	// Action is stack.ActionInstall, ActionUpgrade, ActionUnchanged,
	// ActionPrune or ActionKeep.
	Action string
	Chart  string
	// Version and Digest are the chart resolved.
	Version string
	Digest  string
	// Diff is what the install or upgrade would do to each object; for
	// prune, the objects that would be deleted. Nil for keep.
	Diff *DiffResult
	// deployDigest is what would be deployed.
	deployDigest string
	crds         string
}

// StackPlanResult is the plan of one environment.
type StackPlanResult struct {
	Environment string
	// Releases are in the stack's order, then the releases to prune or
	// keep.
	Releases []StackReleasePlan
	// inventoryVersion is the inventory's resourceVersion planned against.
	inventoryVersion string
}

// Changed reports whether applying the plan (with --prune) would do
// anything.
func (p *StackPlanResult) Changed() bool {
	for _, r := range p.Releases {
		if r.Action != stack.ActionUnchanged && r.Action != stack.ActionKeep {
			return true
		}
	}
	return false
}

// PlanStack computes what ApplyStack with --prune would do in t's
// environment, changing nothing: every chart resolved (pinned by the
// lock), every release rendered and diffed with server-side dry runs, in
// parallel, and the releases of the inventory the stack no longer has
// listed to prune (or keep). An error of any release fails the plan,
// naming each.
func PlanStack(ctx context.Context, t *StackTarget, concurrency int) (*StackPlanResult, error) {
	rels := t.releases()
	prepared, err := t.prepare(ctx, rels)
	if err != nil {
		return nil, err
	}
	inv, err := t.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	out := &StackPlanResult{Environment: t.Environment, inventoryVersion: inv.ResourceVersion()}
	out.Releases = make([]StackReleasePlan, len(rels))
	if concurrency <= 0 {
		concurrency = len(rels) + 1
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	errs := make([]error, len(rels))
	for i, r := range rels {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out.Releases[i], errs[i] = t.planRelease(ctx, prepared[r.Name], inv.Release(r.Name))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if t.Selected == nil {
		orphans, err := t.planOrphans(ctx, inv)
		if err != nil {
			return nil, err
		}
		out.Releases = append(out.Releases, orphans...)
	}
	return out, nil
}

func (t *StackTarget) planRelease(ctx context.Context, sr *stackRelease, entry *stack.InventoryRelease) (StackReleasePlan, error) {
	res := sr.res
	p := StackReleasePlan{Name: res.Name, Namespace: res.Namespace, Chart: sr.chart.Ref, Version: sr.chart.Version, Digest: sr.chart.Digest}
	cfg, err := t.config(res.Name, res.Namespace)
	if err != nil {
		return p, err
	}
	cfg.Progress = nil
	diff, err := DiffUpgrade(ctx, cfg, sr.chart.Chart, sr.user, UpgradeOptions{
		Name: res.Name, Install: true, CreateNamespace: res.CreateNamespace, Values: ValuesReset,
	})
	if err != nil {
		return p, fmt.Errorf("release %s: %w", res.Name, err)
	}
	diff.Release.Values = sr.user
	p.Diff = diff
	p.deployDigest = deployDigest(sr.chart, diff.Release)
	switch {
	case diff.BaseRevision == 0:
		p.Action = stack.ActionInstall
		p.crds, err = crdManifest(sr)
		if err != nil {
			return p, err
		}
	case entry != nil && entry.DeployDigest == p.deployDigest && entry.Revision == diff.BaseRevision &&
		!diff.Summary().Changed() && diff.Release.Revision == diff.BaseRevision+1:
		p.Action = stack.ActionUnchanged
	default:
		p.Action = stack.ActionUpgrade
	}
	return p, nil
}

// crdManifest returns the chart's crds/ files as one manifest.
func crdManifest(sr *stackRelease) (string, error) {
	crds, err := crdObjects(sr.chart.Chart)
	if err != nil || len(crds) == 0 {
		return "", err
	}
	var b []byte
	for _, c := range crds {
		data, err := c.MarshalJSON()
		if err != nil {
			return "", fmt.Errorf("release %s: encode CRD %s: %w", sr.res.Name, c.GetName(), err)
		}
		b = append(append(b, "---\n"...), append(data, '\n')...)
	}
	return string(b), nil
}

// planOrphans lists the inventory's releases the stack no longer has: to
// prune, with the objects that would go, or to keep.
func (t *StackTarget) planOrphans(ctx context.Context, inv *stack.Inventory) ([]StackReleasePlan, error) {
	var out []StackReleasePlan
	for _, e := range t.orphans(inv) {
		p := StackReleasePlan{Name: e.Name, Namespace: e.Namespace, Action: stack.ActionPrune, Chart: e.Chart, Version: e.Version}
		if e.Keep {
			p.Action = stack.ActionKeep
			out = append(out, p)
			continue
		}
		cfg, err := t.config(e.Name, e.Namespace)
		if err != nil {
			return nil, err
		}
		last, err := release.Last(ctx, cfg.Store, e.Name)
		switch {
		case errors.Is(err, release.ErrNotFound):
			p.Diff = &DiffResult{Release: &release.Release{Name: e.Name, Namespace: e.Namespace}}
		case err != nil:
			return nil, fmt.Errorf("read release %q: %w", e.Name, err)
		default:
			refs, err := manifestRefs(fmt.Sprintf("release %q revision %d", e.Name, last.Revision), last.Manifest)
			if err != nil {
				return nil, err
			}
			p.Diff = &DiffResult{Release: last, BaseRevision: last.Revision}
			versions, err := cfg.Kube.ResourceVersions(ctx, refs, e.Namespace)
			if err != nil {
				return nil, fmt.Errorf("plan prune of release %s: %w", e.Name, err)
			}
			for _, v := range versions {
				if v.ResourceVersion != "" {
					p.Diff.Objects = append(p.Diff.Objects, kube.ObjectDiff{Ref: v.Ref, Action: kube.DiffDelete, ResourceVersion: v.ResourceVersion})
				}
			}
		}
		out = append(out, p)
	}
	return out, nil
}
