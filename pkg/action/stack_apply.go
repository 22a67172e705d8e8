package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// ApplyStackOptions tune ApplyStack.
type ApplyStackOptions struct {
	// Concurrency bounds the releases applied at once; 0 is no bound.
	Concurrency int
	// KeepGoing goes on with independent releases after a failure.
	KeepGoing bool
	// Prune uninstalls the releases the inventory holds and the stack file
	// no longer has (not those kept), after every release succeeded.
	Prune bool
	// Settings are the apply settings of every release; the stack's own
	// (wait, timeout) override Wait and Timeout.
	Settings ApplySettings
}

// StackReleaseResult is how one release of a stack run ended.
type StackReleaseResult struct {
	Name      string        `json:"name"`
	Namespace string        `json:"namespace"`
	Outcome   stack.Outcome `json:"outcome"`
	// Revision is the release's revision after the run, 0 when none.
	Revision int    `json:"revision,omitempty"`
	Chart    string `json:"chart,omitempty"`
	Version  string `json:"version,omitempty"`
	// Changes counts the objects created, configured, deleted ... by the
	// run.
	Changes map[string]int `json:"changes,omitempty"`
	// BlockedBy names, for a skipped release, the releases it waited for
	// that failed or were skipped.
	BlockedBy []string `json:"blockedBy,omitempty"`
	// Error is why it failed; Reason why it was skipped.
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Started and Finished are when it ran.
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// StackApplyResult is what ApplyStack did in one environment.
type StackApplyResult struct {
	Environment string               `json:"environment"`
	Releases    []StackReleaseResult `json:"releases"`
	// Pruned are the releases uninstalled; Kept those left in place that
	// the stack no longer has (without --prune, or keep: true) or that
	// destroy leaves (keep: true).
	Pruned []StackReleaseResult `json:"pruned,omitempty"`
	Kept   []KeptRelease        `json:"kept,omitempty"`
}

// KeptRelease is a release left in place, and why.
type KeptRelease struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Reason    string `json:"reason"`
}

// Failed reports whether a release failed or was skipped.
func (r *StackApplyResult) Failed() bool {
	for _, rel := range append(r.Releases, r.Pruned...) {
		if rel.Outcome == stack.OutcomeFailed || rel.Outcome == stack.OutcomeSkipped {
			return true
		}
	}
	return false
}

// ErrStackFailed is returned by ApplyStack when some release failed or
// was skipped; the result says which.
var ErrStackFailed = errors.New("some releases of the stack failed")

// ApplyStack applies the releases of t's environment node by node (see
// stack.Schedule): each starts the moment what it needs holds. A release
// whose render and live objects match what the stack last applied is
// unchanged and records nothing; any other is upgraded, or installed, with
// the stack's values only (as --reset-values). Before anything is applied
// the inventory records the releases about to be installed; afterwards,
// each release's digests. With opts.Prune and every release succeeded,
// releases the inventory holds and the stack no longer has are uninstalled
// in reverse order of their needs, except those kept. It returns
// ErrStackFailed, with the result, when a release failed or was skipped. A
// stack is not a transaction: what succeeded stays applied.
func ApplyStack(ctx context.Context, t *StackTarget, opts ApplyStackOptions) (*StackApplyResult, error) {
	rels := t.releases()
	prepared, err := t.prepare(ctx, rels)
	if err != nil {
		return nil, err
	}
	g, err := stack.NewGraph(rels)
	if err != nil {
		return nil, err
	}
	return t.run(ctx, rels, prepared, g, opts, nil)
}

// run records the intent, schedules the releases with apply (the
// ordinary apply when nil), records the outcomes and prunes.
func (t *StackTarget) run(ctx context.Context, rels []stack.Release, prepared map[string]*stackRelease, g *stack.Graph,
	opts ApplyStackOptions, apply releaseApply,
) (*StackApplyResult, error) {
	inv, err := t.Inventory.Update(ctx, func(inv *stack.Inventory) { recordIntent(inv, rels, prepared) })
	if err != nil {
		return nil, err
	}
	if apply == nil {
		apply = t.applyRelease
	}
	results := stack.Schedule(ctx, g, func(ctx context.Context, task stack.Task) stack.TaskResult {
		return apply(ctx, prepared[task.Release], task, inv.Release(task.Release), opts)
	}, stack.ScheduleOptions{
		Concurrency: opts.Concurrency, KeepGoing: opts.KeepGoing, Now: t.Now,
		OnStart: func(name string, at time.Time) {
			t.emit(StackEvent{Type: StackEventStarted, Release: name, Time: at})
		},
		OnFinish: func(r stack.Result) {
			t.emit(StackEvent{Type: StackEventFinished, Release: r.Release, Outcome: string(r.Outcome), Message: resultMessage(r)})
		},
	})
	out := &StackApplyResult{Environment: t.Environment}
	for _, r := range results {
		out.Releases = append(out.Releases, releaseResult(r, prepared[r.Release]))
	}
	// The outcomes are recorded even when the context was cancelled.
	recordCtx := context.WithoutCancel(ctx)
	if _, err := t.Inventory.Update(recordCtx, func(inv *stack.Inventory) { recordResults(inv, results, prepared) }); err != nil {
		return out, err
	}
	if err := t.pruneOrKeep(ctx, out, opts); err != nil {
		return out, err
	}
	if out.Failed() {
		return out, ErrStackFailed
	}
	return out, nil
}

// releaseApply applies one release of a run.
type releaseApply func(ctx context.Context, sr *stackRelease, task stack.Task, entry *stack.InventoryRelease,
	opts ApplyStackOptions) stack.TaskResult

// applyDetail is what a release task reports to the result.
type applyDetail struct {
	rel *release.Release
	cs  *kube.ChangeSet
}

func (t *StackTarget) applyRelease(ctx context.Context, sr *stackRelease, task stack.Task, entry *stack.InventoryRelease,
	opts ApplyStackOptions,
) stack.TaskResult {
	res := sr.res
	cfg, err := t.config(res.Name, res.Namespace)
	if err != nil {
		return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err}
	}
	last, err := stackUnchanged(ctx, cfg, sr, entry)
	if err != nil {
		return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err}
	}
	if last != nil {
		return stack.TaskResult{Outcome: stack.OutcomeUnchanged, Detail: applyDetail{rel: last}}
	}
	settings := opts.Settings
	settings.Wait = res.Wait || task.Until != stack.UntilDeployed
	settings.Timeout = res.Timeout
	rel, cs, err := Upgrade(ctx, cfg, sr.chart.Chart, sr.user, UpgradeOptions{
		ApplySettings: settings, Name: res.Name, Install: true, CreateNamespace: res.CreateNamespace,
		Values: ValuesReset, RollbackOnFailure: res.RollbackOnFailure, Provenance: t.provenance(res.Name, res.ChartAsWritten, sr.chart),
	})
	detail := applyDetail{rel: rel, cs: cs}
	if err != nil {
		return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: err, Detail: detail}
	}
	if task.Until == stack.UntilTested {
		if _, err := Test(ctx, cfg, res.Name, TestOptions{Timeout: res.Timeout, LockTimeout: settings.LockTimeout}); err != nil {
			return stack.TaskResult{Outcome: stack.OutcomeFailed, Err: fmt.Errorf("test release %s: %w", res.Name, err), Detail: detail}
		}
	}
	return stack.TaskResult{Outcome: stack.OutcomeSucceeded, Detail: detail}
}

func resultMessage(r stack.Result) string {
	switch {
	case r.Err != nil:
		return r.Err.Error()
	case r.Reason != "":
		return r.Reason
	}
	return ""
}

func releaseResult(r stack.Result, sr *stackRelease) StackReleaseResult {
	out := StackReleaseResult{
		Name: r.Release, Outcome: r.Outcome, BlockedBy: r.BlockedBy, Reason: r.Reason,
		Started: r.Started, Finished: r.Finished,
	}
	if sr != nil {
		out.Namespace, out.Chart, out.Version = sr.res.Namespace, sr.chart.Ref, sr.chart.Version
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	if d, ok := r.Detail.(applyDetail); ok {
		if d.rel != nil {
			out.Revision = d.rel.Revision
		}
		if d.cs != nil {
			out.Changes = map[string]int{}
			for _, e := range d.cs.Entries {
				out.Changes[string(e.Action)]++
			}
		}
	}
	return out
}

// recordIntent adds to inv the releases about to be installed, so that a
// run killed midway leaves none the stack does not know of.
func recordIntent(inv *stack.Inventory, rels []stack.Release, prepared map[string]*stackRelease) {
	for _, r := range rels {
		if inv.Release(r.Name) == nil {
			sr := prepared[r.Name]
			inv.Set(stack.InventoryRelease{Name: r.Name, Namespace: sr.res.Namespace, Keep: r.Keep, Needs: sr.needs})
		}
	}
}

// recordResults records each release's outcome: the digests of what a
// succeeded or unchanged release deployed; for a failed one, its new
// revision and no digest, so that the next apply deploys it again.
func recordResults(inv *stack.Inventory, results []stack.Result, prepared map[string]*stackRelease) {
	for _, r := range results {
		sr := prepared[r.Release]
		d, _ := r.Detail.(applyDetail)
		if r.Outcome == stack.OutcomeSkipped || d.rel == nil {
			continue
		}
		e := stack.InventoryRelease{
			Name: r.Release, Namespace: sr.res.Namespace, Chart: sr.chart.Ref, Version: sr.chart.Version,
			ChartDigest: sr.chart.Digest, ValuesDigest: valuesDigest(sr.user), Revision: d.rel.Revision,
			Keep: sr.res.Keep, Needs: sr.needs,
		}
		old := inv.Release(r.Release)
		switch {
		case d.rel.Status != release.StatusDeployed || r.Outcome == stack.OutcomeFailed:
		case r.Outcome == stack.OutcomeUnchanged && old != nil && old.DeployDigest != "":
			e.DeployDigest = old.DeployDigest
		case sr.planned != nil:
			e.DeployDigest = sr.planned.DeployDigest
		default:
			e.DeployDigest = deployDigest(sr.chart, d.rel)
		}
		inv.Set(e)
	}
}
