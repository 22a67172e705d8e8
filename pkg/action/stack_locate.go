package action

import (
	"context"
	"fmt"

	"github.com/Masterminds/semver/v3"

	"github.com/berth-sh/berth/pkg/stack"
)

// locate finds the chart of release res: at its pinned version when the
// lock pins it, refusing a chart whose content digest is not the pinned
// one, or a pin the stack file no longer agrees with (another chart, a
// version outside the constraint). A chart directory is not pinned.
func (t *StackTarget) locate(ctx context.Context, res *stack.Resolved) (*LocatedChart, error) {
	req := ChartRequest{Ref: res.Chart, Version: res.Version, RepoURL: res.Repo, Verify: res.Verify}
	pin, pinned := t.Lock.Pin(t.Environment, res.Name)
	if pinned {
		if pin.Chart != res.ChartAsWritten {
			return nil, fmt.Errorf("%w: it pins chart %s, the stack names %s: run berth stack lock", stack.ErrLockStale, pin.Chart, res.ChartAsWritten)
		}
		if err := admits(res.Version, pin.Version); err != nil {
			return nil, err
		}
		req.Version = pin.Version
	}
	lc, err := t.Locator.Locate(ctx, req)
	if err != nil {
		return nil, err
	}
	switch {
	case lc.Kind == SourceLocal && lc.Archive == nil:
		// A chart directory is in the stack's own repository.
	case pinned && lc.Digest != pin.Digest:
		return nil, fmt.Errorf("%w: chart %s version %s has content digest %s, berth.lock pins %s: "+
			"the chart was re-published under the same version; check it, then run berth stack lock to accept it",
			stack.ErrLockStale, lc.Ref, lc.Version, lc.Digest, pin.Digest)
	case !pinned && t.Lock != nil:
		return nil, fmt.Errorf("%w: berth.lock pins no chart for release %s in environment %q: run berth stack lock",
			stack.ErrLockStale, res.Name, t.Environment)
	}
	return lc, nil
}

// admits checks that the locked version still satisfies the stack's
// version constraint.
func admits(constraint, locked string) error {
	if constraint == "" || constraint == locked {
		return nil
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return fmt.Errorf("version %q: %w", constraint, err)
	}
	v, err := semver.NewVersion(locked)
	if err != nil {
		return fmt.Errorf("%w: pinned version %q: %w", stack.ErrLockStale, locked, err)
	}
	if !c.Check(v) {
		return fmt.Errorf("%w: it pins version %s, which the stack's version %q no longer admits: run berth stack lock",
			stack.ErrLockStale, locked, constraint)
	}
	return nil
}

// LockStack resolves the chart of every release of the target's
// environment to an exact version and content digest and pins them in
// lock (a new lock when nil), dropping the pins of releases the stack no
// longer has there. Chart directories are not pinned. Existing pins are
// ignored: lock resolves afresh.
func LockStack(ctx context.Context, t *StackTarget, lock *stack.Lock) (*stack.Lock, error) {
	if lock == nil {
		lock = &stack.Lock{APIVersion: stack.APIVersion, Kind: stack.KindLock, Stack: t.Stack.Metadata.Name}
	}
	fresh := *t
	fresh.Lock = nil
	prepared, err := fresh.prepare(ctx, t.Stack.Enabled(t.Environment))
	if err != nil {
		return nil, err
	}
	env := stack.LockedEnvironment{Releases: map[string]stack.LockedChart{}}
	for name, sr := range prepared {
		if sr.chart.Kind == SourceLocal && sr.chart.Archive == nil {
			continue
		}
		env.Releases[name] = stack.LockedChart{Chart: sr.res.ChartAsWritten, Version: sr.chart.Version, Digest: sr.chart.Digest}
	}
	if lock.Environments == nil {
		lock.Environments = map[string]stack.LockedEnvironment{}
	}
	lock.Environments[t.Environment] = env
	return lock, nil
}
