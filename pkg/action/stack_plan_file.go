package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// Planned returns the plan as the plan file holds it.
func (p *StackPlanResult) Planned(kubeContext string) (stack.PlannedEnvironment, error) {
	out := stack.PlannedEnvironment{Name: p.Environment, KubeContext: kubeContext, InventoryVersion: p.inventoryVersion}
	for _, r := range p.Releases {
		pr := stack.PlannedRelease{
			Name: r.Name, Namespace: r.Namespace, Action: r.Action, Chart: r.Chart, Version: r.Version, Digest: r.Digest,
			DeployDigest: r.deployDigest, CRDs: r.crds,
		}
		if r.Diff != nil {
			pr.BaseRevision = r.Diff.BaseRevision
			for _, d := range r.Diff.Objects {
				if d.Action != kube.DiffDelete || r.Action == stack.ActionPrune {
					pr.Objects = append(pr.Objects, plannedObject(d.Ref, d.ResourceVersion))
				} else {
					pr.Prune = append(pr.Prune, plannedObject(d.Ref, d.ResourceVersion))
				}
			}
			if r.Action == stack.ActionInstall || r.Action == stack.ActionUpgrade {
				if err := pr.SetRevision(r.Diff.Release); err != nil {
					return out, err
				}
			}
		}
		out.Releases = append(out.Releases, pr)
	}
	return out, nil
}

func plannedObject(ref kube.ObjectRef, rv string) stack.PlannedObject {
	return stack.PlannedObject{
		Object: ref.String(), Group: ref.Group, Version: ref.Version, Kind: ref.Kind, Namespace: ref.Namespace,
		Name: ref.Name, ResourceVersion: rv,
	}
}

func refOf(o stack.PlannedObject) kube.ObjectRef {
	return kube.ObjectRef{Group: o.Group, Version: o.Version, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// ErrStackPlanStale is matched by the error of a stack plan whose
// releases or objects moved since it was made.
var ErrStackPlanStale = errors.New("the stack plan is out of date")

// checkStackPlan lists what moved since p was made: the inventory, each
// release's last revision and each planned object's resourceVersion.
func (t *StackTarget) checkStackPlan(ctx context.Context, p *stack.PlannedEnvironment) error {
	var moved []string
	inv, err := t.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	if inv.ResourceVersion() != p.InventoryVersion {
		moved = append(moved, fmt.Sprintf("%s: planned at resourceVersion %q, now %q (another apply ran)",
			t.Inventory.Ref(), p.InventoryVersion, inv.ResourceVersion()))
	}
	for _, r := range p.Releases {
		if r.Action == stack.ActionKeep {
			continue
		}
		lines, err := t.movedRelease(ctx, r)
		if err != nil {
			return err
		}
		moved = append(moved, lines...)
	}
	if len(moved) > 0 {
		return fmt.Errorf("%w: plan again:\n  %s", ErrStackPlanStale, joinLines(moved))
	}
	return nil
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}

// movedRelease says how release r and its objects moved since planned.
func (t *StackTarget) movedRelease(ctx context.Context, r stack.PlannedRelease) ([]string, error) {
	cfg, err := t.config(r.Name, r.Namespace)
	if err != nil {
		return nil, err
	}
	var moved []string
	last, err := release.Last(ctx, cfg.Store, r.Name)
	now := 0
	switch {
	case errors.Is(err, release.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("read release %q: %w", r.Name, err)
	default:
		now = last.Revision
	}
	if now != r.BaseRevision {
		moved = append(moved, fmt.Sprintf("release %s: planned at revision %d, now at revision %d", r.Name, r.BaseRevision, now))
	}
	objs := append(append([]stack.PlannedObject{}, r.Objects...), r.Prune...)
	refs := make([]kube.ObjectRef, len(objs))
	for i, o := range objs {
		refs[i] = refOf(o)
	}
	versions, err := cfg.Kube.ResourceVersions(ctx, refs, r.Namespace)
	if err != nil {
		return nil, fmt.Errorf("check plan of release %s: %w", r.Name, err)
	}
	for i, o := range objs {
		if line := movedLine(PlanObject{Object: o.Object, ResourceVersion: o.ResourceVersion}, versions[i].ResourceVersion); line != "" {
			moved = append(moved, line)
		}
	}
	return moved, nil
}
