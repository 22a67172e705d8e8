package action

import (
	"context"
	"fmt"
	"slices"

	"github.com/berth-sh/berth/pkg/stack"
)

// orphans returns the inventory's releases that the stack no longer has
// in t's environment, in reverse order of their recorded needs (every
// release before what it needed).
func (t *StackTarget) orphans(inv *stack.Inventory) []stack.InventoryRelease {
	var gone []stack.InventoryRelease
	for _, e := range inv.Releases {
		r := t.Stack.Release(e.Name)
		if r == nil || r.Environments[t.Environment].Disabled {
			gone = append(gone, e)
		}
	}
	return reverseByNeeds(gone)
}

// reverseByNeeds orders entries so that each comes before the entries it
// needed.
func reverseByNeeds(entries []stack.InventoryRelease) []stack.InventoryRelease {
	rels := make([]stack.Release, len(entries))
	byName := map[string]stack.InventoryRelease{}
	for i, e := range entries {
		rels[i] = stack.Release{Name: e.Name}
		for _, n := range e.Needs {
			rels[i].Needs = append(rels[i].Needs, stack.Need{Release: n})
		}
		byName[e.Name] = e
	}
	g, err := stack.NewGraph(rels)
	if err != nil {
		// Recorded needs cannot cycle (each was checked when applied);
		// keep the inventory's order if they somehow do.
		return entries
	}
	out := make([]stack.InventoryRelease, 0, len(entries))
	for _, n := range g.ReverseOrder() {
		out = append(out, byName[n])
	}
	return out
}

// pruneOrKeep uninstalls, with opts.Prune, when nothing failed and no
// selection narrowed the run, the orphaned releases that are not kept,
// and lists the others as kept.
func (t *StackTarget) pruneOrKeep(ctx context.Context, out *StackApplyResult, opts ApplyStackOptions) error {
	inv, err := t.Inventory.Get(ctx)
	if err != nil {
		return err
	}
	prune := opts.Prune && t.Selected == nil && !out.Failed()
	for _, e := range t.orphans(inv) {
		switch {
		case e.Keep:
			out.Kept = append(out.Kept, KeptRelease{
				Name: e.Name, Namespace: e.Namespace,
				Reason: "no longer in the stack file; keep: true (destroy --force removes it)",
			})
			continue
		case !prune:
			reason := "no longer in the stack file: apply --prune uninstalls it"
			if opts.Prune {
				reason = "no longer in the stack file: not pruned, as a release failed or -l selected releases"
			}
			out.Kept = append(out.Kept, KeptRelease{Name: e.Name, Namespace: e.Namespace, Reason: reason})
			continue
		}
		res, err := t.uninstall(ctx, e)
		if res.Outcome != "" {
			out.Pruned = append(out.Pruned, res)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// uninstall uninstalls the release of entry e and drops it from the
// inventory.
func (t *StackTarget) uninstall(ctx context.Context, e stack.InventoryRelease) (StackReleaseResult, error) {
	res := StackReleaseResult{Name: e.Name, Namespace: e.Namespace, Chart: e.Chart, Version: e.Version, Started: t.now()}
	cfg, err := t.config(e.Name, e.Namespace)
	var results []UninstallResult
	if err == nil {
		results, err = Uninstall(ctx, cfg, []string{e.Name}, UninstallOptions{IgnoreNotFound: true, Wait: true})
	}
	res.Finished = t.now()
	if err == nil && len(results) == 1 && results[0].NotFound {
		// Never installed, or gone already: nothing to report.
		_, err = t.Inventory.Update(context.WithoutCancel(ctx), func(inv *stack.Inventory) { inv.Remove(e.Name) })
		return StackReleaseResult{}, err
	}
	if err != nil {
		res.Outcome, res.Error = stack.OutcomeFailed, err.Error()
		t.emit(StackEvent{Type: StackEventFinished, Release: e.Name, Outcome: string(res.Outcome), Message: res.Error})
		return res, fmt.Errorf("prune release %s: %w", e.Name, err)
	}
	res.Outcome = stack.OutcomeSucceeded
	t.emit(StackEvent{Type: StackEventPruned, Release: e.Name, Outcome: string(res.Outcome)})
	_, err = t.Inventory.Update(context.WithoutCancel(ctx), func(inv *stack.Inventory) { inv.Remove(e.Name) })
	return res, err
}

// DestroyStackOptions tune DestroyStack.
type DestroyStackOptions struct {
	// Force uninstalls kept releases too.
	Force bool
}

// DestroyStack uninstalls every release the inventory holds in t's
// environment, and those of the stack file that exist, in reverse order
// of their needs, leaving kept releases unless opts.Force. The inventory
// is deleted once it holds nothing.
func DestroyStack(ctx context.Context, t *StackTarget, opts DestroyStackOptions) (*StackApplyResult, error) {
	inv, err := t.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	entries := slices.Clone(inv.Releases)
	for _, r := range t.Stack.Enabled(t.Environment) {
		if inv.Release(r.Name) == nil {
			res, err := t.Stack.Resolve(t.Environment, r.Name)
			if err != nil {
				return nil, err
			}
			var needs []string
			for _, n := range r.Needs {
				needs = append(needs, n.Release)
			}
			entries = append(entries, stack.InventoryRelease{Name: r.Name, Namespace: res.Namespace, Keep: r.Keep, Needs: needs})
		}
	}
	out := &StackApplyResult{Environment: t.Environment}
	for _, e := range reverseByNeeds(entries) {
		if r := t.Stack.Release(e.Name); r != nil && r.Keep {
			e.Keep = true
		}
		if e.Keep && !opts.Force {
			out.Kept = append(out.Kept, KeptRelease{Name: e.Name, Namespace: e.Namespace, Reason: "keep: true (--force removes it)"})
			continue
		}
		res, err := t.uninstall(ctx, e)
		if res.Outcome != "" {
			out.Pruned = append(out.Pruned, res)
		}
		if err != nil {
			return out, err
		}
	}
	if len(out.Kept) == 0 {
		return out, t.Inventory.Delete(ctx)
	}
	return out, nil
}
