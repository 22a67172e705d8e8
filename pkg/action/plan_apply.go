package action

import (
	"context"
	"fmt"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// ApplyPlanOptions tune ApplyPlan.
type ApplyPlanOptions struct {
	ApplySettings
	// RollbackOnFailure rolls a failed upgrade back to the last successful
	// revision, as UpgradeOptions.RollbackOnFailure does.
	RollbackOnFailure bool
	// Origin is who applies the plan, recorded in the revision's
	// provenance over the planner's; nil keeps the planner's.
	Origin *Origin
}

// ApplyPlan records and applies the revision of plan p as Upgrade does
// (pending first, pre-upgrade hooks, apply, prune, post-upgrade hooks,
// deployed or failed), after checking under
// the release lock that nothing moved since the plan was made: the release
// must still be at p.BaseRevision and every object of the plan must have
// the resourceVersion it had (or still not exist). Otherwise it changes
// nothing and returns a PlanStaleError listing what moved.
// settings.DryRun is ignored.
func ApplyPlan(ctx context.Context, cfg *Configuration, p *Plan, opts ApplyPlanOptions) (*release.Release, *kube.ChangeSet, error) {
	settings := opts.ApplySettings
	if p.Namespace != cfg.Namespace {
		return nil, nil, fmt.Errorf("apply plan of release %q: made for namespace %q, not %q", p.Release, p.Namespace, cfg.Namespace)
	}
	settings.DryRun = DryRunNone
	var rel *release.Release
	var cs *kube.ChangeSet
	err := withLock(ctx, cfg, p.Release, settings.LockTimeout, func(ctx context.Context) error {
		last, current, err := currentRelease(ctx, cfg, p.Release)
		if err != nil {
			return err
		}
		if err := checkPlan(ctx, cfg, p, last); err != nil {
			return err
		}
		objs, err := parseManifest(fmt.Sprintf("plan of release %q", p.Release), p.Revision.Manifest)
		if err != nil {
			return err
		}
		if err := pruneHistory(ctx, cfg, p.Release, settings.MaxHistory); err != nil {
			return err
		}
		next := *p.Revision
		next.Name, next.Namespace, next.Revision = p.Release, cfg.Namespace, last.Revision+1
		next.Status, next.Description = release.StatusPendingUpgrade, "Upgrading"
		next.Provenance = planProvenance(p, opts.Origin)
		next.FirstDeployed, next.LastDeployed = last.FirstDeployed, cfg.now()
		rel, cs, err = deployRevision(ctx, cfg, deployment{
			rel: &next, objs: objs, previous: current, settings: settings,
			operation: "Upgrade", description: descUpgrade,
			preHook: release.HookPreUpgrade, postHook: release.HookPostUpgrade,
		})
		if err != nil && rel != nil && opts.RollbackOnFailure {
			rel, cs, err = rollbackFailedUpgrade(ctx, cfg, rel, cs, err, settings)
		}
		return err
	})
	cfg.emitDone(rel, err)
	return rel, cs, err
}

// checkPlan returns a PlanStaleError when the release or any object of p
// changed since p was made.
func checkPlan(ctx context.Context, cfg *Configuration, p *Plan, last *release.Release) error {
	var moved []string
	if last.Revision != p.BaseRevision {
		moved = append(moved, fmt.Sprintf("release %s: planned at revision %d, now at revision %d",
			p.Release, p.BaseRevision, last.Revision))
	}
	planned := append(append([]PlanObject{}, p.Objects...), p.Prune...)
	refs := make([]kube.ObjectRef, len(planned))
	for i, o := range planned {
		refs[i] = o.Ref
	}
	versions, err := cfg.Kube.ResourceVersions(ctx, refs, cfg.Namespace)
	if err != nil {
		return fmt.Errorf("check plan of release %q: %w", p.Release, err)
	}
	seen := map[string]bool{}
	for i, o := range planned {
		if line := movedLine(o, versions[i].ResourceVersion); line != "" && !seen[o.Object] {
			seen[o.Object] = true
			moved = append(moved, line)
		}
	}
	if len(moved) > 0 {
		return &PlanStaleError{Moved: moved}
	}
	return nil
}

// movedLine says how o moved, given its live resourceVersion; "" when it
// did not.
func movedLine(o PlanObject, live string) string {
	switch {
	case o.ResourceVersion == live:
		return ""
	case o.ResourceVersion == "":
		return fmt.Sprintf("%s: now exists (resourceVersion %s), absent when planned", o.Object, live)
	case live == "":
		return fmt.Sprintf("%s: now deleted, planned at resourceVersion %s", o.Object, o.ResourceVersion)
	}
	return fmt.Sprintf("%s: planned at resourceVersion %s, live resourceVersion %s", o.Object, o.ResourceVersion, live)
}
