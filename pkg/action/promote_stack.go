package action

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// PromoteStackOptions tune PromoteStack.
type PromoteStackOptions struct {
	// Gates are checked for every release promoted.
	Gates PromoteGates
	// WriteLock only pins the target environment in the returned lock,
	// for the caller to write (and propose in a pull request); nothing is
	// applied.
	WriteLock bool
	// Apply tunes the target's apply.
	Apply ApplyStackOptions
	// HealthTimeout bounds the soak gate's readiness check.
	HealthTimeout time.Duration
}

// PromoteStackResult is what PromoteStack found and did.
type PromoteStackResult struct {
	// Releases are the releases promoted (or refused), in the stack's
	// order: source revision, chart and gates.
	Releases []*PromoteResult
	// Lock is the stack's lock with the target environment pinned to what
	// the source runs.
	Lock *stack.Lock
	// Applied is the target's apply; nil with WriteLock or on refusal.
	Applied *StackApplyResult
}

// PromoteStack promotes the releases of a stack from one environment to
// another: for every release the target environment has, it reads the
// chart digest the source environment runs (from the source's records),
// checks the gates, and pins the target environment's charts in the lock
// to those versions and digests. With WriteLock that is all: the caller
// writes the lock, for review. Otherwise the target environment is applied
// with that lock, as stack apply does: each release with the target's own
// values, its chart refused unless it has the pinned digest. A refusing
// gate refuses the whole promotion (a *PromoteRefusedError) before
// anything is applied.
func PromoteStack(ctx context.Context, from, to *StackTarget, opts PromoteStackOptions) (*PromoteStackResult, error) {
	if from.Stack != to.Stack || from.Environment == to.Environment {
		return nil, errors.New("promote a stack: from and to are two environments of one stack")
	}
	out := &PromoteStackResult{Lock: copyLock(to.Lock, to.Stack.Metadata.Name)}
	var refused []GateResult
	for _, r := range to.releases() {
		res, err := promoteStackRelease(ctx, from, to, r.Name, opts, out.Lock)
		if res != nil {
			out.Releases = append(out.Releases, res)
		}
		var refusal *PromoteRefusedError
		switch {
		case errors.As(err, &refusal):
			refused = append(refused, refusal.Refusals...)
		case err != nil:
			return out, fmt.Errorf("release %s: %w", r.Name, err)
		}
	}
	if len(refused) > 0 {
		return out, &PromoteRefusedError{Refusals: refused}
	}
	if opts.WriteLock {
		return out, nil
	}
	target := *to
	target.Lock = out.Lock
	applied, err := ApplyStack(ctx, &target, opts.Apply)
	out.Applied = applied
	return out, err
}

// promoteStackRelease checks the gates of release name and pins it in lock
// to what the source environment runs. A chart directory is not pinned,
// nor promoted: the stack's repository holds it.
func promoteStackRelease(ctx context.Context, from, to *StackTarget, name string, opts PromoteStackOptions, lock *stack.Lock) (*PromoteResult, error) {
	dst, err := to.Stack.Resolve(to.Environment, name)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(dst.Chart); err == nil && info.IsDir() {
		return nil, nil
	}
	src, err := from.Stack.Resolve(from.Environment, name)
	if err != nil {
		return nil, fmt.Errorf("the source environment %q does not deploy it: %w", from.Environment, err)
	}
	srcCfg, err := from.Config(src.Namespace)
	if err != nil {
		return nil, err
	}
	dstCfg, err := to.Config(dst.Namespace)
	if err != nil {
		return nil, err
	}
	res, err := Promote(ctx, dstCfg, PromoteOptions{
		Source: srcCfg, SourceContext: from.KubeContext, TargetContext: to.KubeContext, Name: name, Gates: opts.Gates, Locate: from.Locator.Locate, GatesOnly: true, HealthTimeout: opts.HealthTimeout,
	})
	if err != nil {
		return res, err
	}
	chart := res.SourceChart
	if chart.Ref != dst.ChartAsWritten && chart.Ref != dst.Chart {
		return res, fmt.Errorf("environment %q runs chart %s, the stack names %s in %q: deploy the stack's chart there first",
			from.Environment, chart.Ref, dst.ChartAsWritten, to.Environment)
	}
	version := res.SourceVersion
	if err := admits(dst.Version, version); err != nil {
		return res, fmt.Errorf("environment %q runs version %s: %w", from.Environment, version, err)
	}
	lock.Set(to.Environment, name, stack.LockedChart{Chart: dst.ChartAsWritten, Version: version, Digest: chart.Digest})
	if to.PromotedFrom == nil {
		to.PromotedFrom = map[string]*release.PromotedFrom{}
	}
	to.PromotedFrom[name] = &release.PromotedFrom{
		Context: from.KubeContext, Namespace: src.Namespace, Release: name, Revision: res.Source.Revision,
	}
	return res, nil
}

// copyLock returns a copy of l (a new lock for stack name when nil) that
// can be changed without changing l.
func copyLock(l *stack.Lock, name string) *stack.Lock {
	out := &stack.Lock{APIVersion: stack.APIVersion, Kind: stack.KindLock, Stack: name, Environments: map[string]stack.LockedEnvironment{}}
	if l == nil {
		return out
	}
	for env, e := range l.Environments {
		for rel, pin := range e.Releases {
			out.Set(env, rel, pin)
		}
		if len(e.Releases) == 0 {
			out.Environments[env] = stack.LockedEnvironment{Releases: map[string]stack.LockedChart{}}
		}
	}
	return out
}

// provenance is the provenance of release name that a stack applies from
// chart lc (named ref in the stack file).
func (t *StackTarget) provenance(name, ref string, lc *LocatedChart) *release.Provenance {
	p := NewProvenance(ChartSourceOf(ref, lc), t.Origin)
	p.PromotedFrom = t.PromotedFrom[name]
	return p
}
