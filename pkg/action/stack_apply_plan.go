package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// ApplyStackPlan applies plan p of t's environment (written by berth
// stack plan --out) as ApplyStack does, after checking that nothing moved
// since it was made: the stack's inventory, each release's last revision
// and each planned object's resourceVersion. If anything moved it applies
// nothing and returns an error matching ErrStackPlanStale that names what
// moved. Upgrades apply the planned revision itself (ApplyPlan, checked
// again under the release's lock); installs render again and must give
// the planned deploy digest. With opts.Prune, the releases the plan prunes
// are uninstalled.
func ApplyStackPlan(ctx context.Context, t *StackTarget, p *stack.PlannedEnvironment, opts ApplyStackOptions) (*StackApplyResult, error) {
	if p == nil {
		return nil, fmt.Errorf("the plan has no environment %q: plan it", t.Environment)
	}
	if err := t.checkStackPlan(ctx, p); err != nil {
		return nil, err
	}
	var rels []stack.Release
	planned := map[string]*stack.PlannedRelease{}
	for i, r := range p.Releases {
		if r.Action != stack.ActionInstall && r.Action != stack.ActionUpgrade && r.Action != stack.ActionUnchanged {
			continue
		}
		sr := t.Stack.Release(r.Name)
		if sr == nil {
			return nil, fmt.Errorf("%w: release %s is planned but no longer in %s: plan again", ErrStackPlanStale, r.Name, t.Stack.File())
		}
		rels = append(rels, *sr)
		planned[r.Name] = &p.Releases[i]
	}
	prepared, err := t.prepare(ctx, rels)
	if err != nil {
		return nil, err
	}
	for name, sr := range prepared {
		sr.planned = planned[name]
		if sr.chart.Digest != sr.planned.Digest || sr.chart.Version != sr.planned.Version {
			return nil, fmt.Errorf("%w: release %s: chart %s %s (%s) was planned, %s %s (%s) resolves now",
				ErrStackPlanStale, name, sr.planned.Chart, sr.planned.Version, sr.planned.Digest, sr.chart.Ref, sr.chart.Version, sr.chart.Digest)
		}
		rev, err := sr.planned.PlannedRevision()
		if err != nil {
			return nil, err
		}
		if rev != nil && valuesDigest(rev.Values) != valuesDigest(sr.user) {
			return nil, fmt.Errorf("%w: release %s: its values in %s changed since the plan was made", ErrStackPlanStale, name, t.Stack.File())
		}
	}
	g, err := stack.NewGraph(rels)
	if err != nil {
		return nil, err
	}
	out, err := t.run(ctx, rels, prepared, g, ApplyStackOptions{Concurrency: opts.Concurrency, KeepGoing: opts.KeepGoing, Settings: opts.Settings}, t.applyPlanned)
	if err != nil || !opts.Prune || out.Failed() {
		if err == nil && out.Failed() {
			err = ErrStackFailed
		}
		return out, err
	}
	out.Kept = nil
	for _, r := range p.Releases {
		if r.Action != stack.ActionPrune {
			continue
		}
		res, err := t.uninstall(ctx, stack.InventoryRelease{Name: r.Name, Namespace: r.Namespace, Chart: r.Chart, Version: r.Version})
		if res.Outcome != "" {
			out.Pruned = append(out.Pruned, res)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// applyPlanned applies the planned release of sr.
func (t *StackTarget) applyPlanned(ctx context.Context, sr *stackRelease, task stack.Task, entry *stack.InventoryRelease,
	opts ApplyStackOptions,
) stack.TaskResult {
	pr := sr.planned
	switch pr.Action {
	case stack.ActionUnchanged:
		last, err := t.lastRevision(ctx, sr)
		if err != nil {
			return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err}
		}
		return stack.TaskResult{Outcome: stack.OutcomeUnchanged, Detail: applyDetail{rel: last}}
	case stack.ActionInstall:
		return t.applyRelease(ctx, sr, task, entry, opts)
	}
	cfg, err := t.config(sr.res.Name, sr.res.Namespace)
	if err != nil {
		return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err}
	}
	rev, err := pr.PlannedRevision()
	if err != nil {
		return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err}
	}
	plan := &Plan{APIVersion: PlanAPIVersion, Release: pr.Name, Namespace: pr.Namespace, BaseRevision: pr.BaseRevision, Revision: rev}
	for _, o := range pr.Objects {
		plan.Objects = append(plan.Objects, PlanObject{Object: o.Object, Ref: refOf(o), ResourceVersion: o.ResourceVersion})
	}
	for _, o := range pr.Prune {
		plan.Prune = append(plan.Prune, PlanObject{Object: o.Object, Ref: refOf(o), ResourceVersion: o.ResourceVersion})
	}
	settings := opts.Settings
	settings.Wait = sr.res.Wait || task.Until != stack.UntilDeployed
	settings.Timeout = sr.res.Timeout
	rel, cs, err := ApplyPlan(ctx, cfg, plan, ApplyPlanOptions{ApplySettings: settings, RollbackOnFailure: sr.res.RollbackOnFailure})
	detail := applyDetail{rel: rel, cs: cs}
	if err != nil {
		return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err, Detail: detail}
	}
	return stack.TaskResult{Outcome: stack.OutcomeSucceeded, Detail: detail}
}

func (t *StackTarget) lastRevision(ctx context.Context, sr *stackRelease) (*release.Release, error) {
	cfg, err := t.config(sr.res.Name, sr.res.Namespace)
	if err != nil {
		return nil, err
	}
	last, err := release.Last(ctx, cfg.Store, sr.res.Name)
	if err != nil && !errors.Is(err, release.ErrNotFound) {
		return nil, fmt.Errorf("read release %q: %w", sr.res.Name, err)
	}
	return last, nil
}
