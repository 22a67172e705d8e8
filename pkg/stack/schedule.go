package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outcome is how one release of a run ended. The values are part of
// berth's output (stack apply -o json, docs/stacks.md).
type Outcome string

// Outcomes of a release in a run.
const (
	// OutcomeSucceeded: the release was installed, upgraded (or whatever
	// the run does to it) and reached what its dependants need.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeUnchanged: nothing had to be done; no revision recorded.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeFailed: the release was started and failed.
	OutcomeFailed Outcome = "failed"
	// OutcomeSkipped: the release was not started, because something it
	// needs failed or was skipped (BlockedBy says what), or because the
	// run stopped after a failure or was interrupted.
	OutcomeSkipped Outcome = "skipped"
)

// Task is one release for a Runner: its name and how far it must get,
// the strongest condition of the needs on it (UntilDeployed when nothing
// needs more).
type Task struct {
	Release string
	Until   Until
}

// TaskResult is what a Runner reports of one task: OutcomeSucceeded,
// OutcomeUnchanged or OutcomeFailed with Err.
type TaskResult struct {
	Outcome Outcome
	Err     error
	// Detail is free data of the runner, kept in the result (revision,
	// change counts, ...).
	Detail any
}

// Runner does one task. It is called from several goroutines at once, at
// most ScheduleOptions.Concurrency at a time.
type Runner func(ctx context.Context, t Task) TaskResult

// ScheduleOptions tune Schedule.
type ScheduleOptions struct {
	// Concurrency bounds the tasks running at once; 0 or less is no bound.
	Concurrency int
	// KeepGoing starts, after a failure, the releases that do not need the
	// failed one; otherwise nothing new starts after a failure while the
	// running tasks finish.
	KeepGoing bool
	// OnStart and OnFinish, when set, are called as a task starts and as
	// it ends (skipped releases end without starting), from the
	// scheduler's goroutine: calls never overlap.
	OnStart  func(name string, at time.Time)
	OnFinish func(r Result)
	// Now returns the time; nil is time.Now.
	Now func() time.Time
}

// Result is how one release ended in a run.
type Result struct {
	Release string
	Outcome Outcome
	// Err is the failure of a failed release.
	Err error
	// BlockedBy names, for a skipped release, the failed or skipped
	// releases it needs; empty when it was skipped because the run
	// stopped.
	BlockedBy []string
	// Reason says why a release was skipped.
	Reason string
	// Started and Finished are when the task ran; zero when skipped.
	Started, Finished time.Time
	// Detail is the runner's TaskResult.Detail.
	Detail any
}

// Schedule runs the graph node by node: a release starts the moment every
// release it needs has succeeded or is unchanged, whatever else is still
// running, as long as fewer than Concurrency tasks run. A failed release
// blocks what needs it, transitively: those are skipped. It returns one
// result per release, in file order, once every started task ended.
// Cancelling ctx starts nothing new; the running tasks get the cancelled
// context.
func Schedule(ctx context.Context, g *Graph, run Runner, opts ScheduleOptions) []Result {
	s := &scheduler{g: g, run: run, opts: opts, results: map[string]*Result{}, done: make(chan doneTask)}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	s.loop(ctx)
	out := make([]Result, 0, len(g.nodes))
	for _, n := range g.nodes {
		out = append(out, *s.results[n])
	}
	return out
}

type doneTask struct {
	name string
	res  TaskResult
}

type scheduler struct {
	g       *Graph
	run     Runner
	opts    ScheduleOptions
	results map[string]*Result
	running int
	stopped string // why nothing new starts, "" while things may
	done    chan doneTask
}

func (s *scheduler) loop(ctx context.Context) {
	for {
		if s.stopped == "" && ctx.Err() != nil {
			s.stopped = "the run was interrupted"
		}
		s.skipBlocked()
		if s.stopped == "" {
			s.startReady(ctx)
		}
		if s.running == 0 {
			s.skipRest()
			return
		}
		d := <-s.done
		s.running--
		s.finish(d)
	}
}

// startReady starts every release whose needs hold, in file order, while
// the concurrency allows.
func (s *scheduler) startReady(ctx context.Context) {
	for _, n := range s.g.nodes {
		if s.opts.Concurrency > 0 && s.running >= s.opts.Concurrency {
			return
		}
		if s.results[n] != nil || !s.needsHold(n) {
			continue
		}
		now := s.opts.Now()
		s.results[n] = &Result{Release: n, Started: now}
		if s.opts.OnStart != nil {
			s.opts.OnStart(n, now)
		}
		s.running++
		go func(t Task) {
			s.done <- doneTask{name: t.Release, res: s.safeRun(ctx, t)}
		}(Task{Release: n, Until: s.required(n)})
	}
}

// safeRun runs a task, turning a panic into its failure.
func (s *scheduler) safeRun(ctx context.Context, t Task) (res TaskResult) {
	defer func() {
		if r := recover(); r != nil {
			res = TaskResult{Outcome: OutcomeFailed, Err: fmt.Errorf("release %s: panic: %v", t.Release, r)}
		}
	}()
	return s.run(ctx, t)
}

func (s *scheduler) finish(d doneTask) {
	r := s.results[d.name]
	r.Finished = s.opts.Now()
	r.Outcome, r.Err, r.Detail = d.res.Outcome, d.res.Err, d.res.Detail
	switch r.Outcome {
	case OutcomeSucceeded, OutcomeUnchanged:
	default:
		r.Outcome = OutcomeFailed
		if r.Err == nil {
			r.Err = errors.New("failed")
		}
		if !s.opts.KeepGoing && s.stopped == "" {
			s.stopped = fmt.Sprintf("not started: the run stopped after %s failed (--keep-going goes on with independent releases)", d.name)
		}
	}
	if s.opts.OnFinish != nil {
		s.opts.OnFinish(*r)
	}
}

// needsHold reports whether every need of n succeeded or is unchanged.
func (s *scheduler) needsHold(n string) bool {
	for _, need := range s.g.needs[n] {
		r := s.results[need.Release]
		if r == nil || (r.Outcome != OutcomeSucceeded && r.Outcome != OutcomeUnchanged) {
			return false
		}
	}
	return true
}

// skipBlocked skips, until nothing changes, the releases that need a
// failed or skipped one.
func (s *scheduler) skipBlocked() {
	for changed := true; changed; {
		changed = false
		for _, n := range s.g.nodes {
			if s.results[n] != nil {
				continue
			}
			var blocked []string
			for _, need := range s.g.needs[n] {
				if r := s.results[need.Release]; r != nil && (r.Outcome == OutcomeFailed || r.Outcome == OutcomeSkipped) {
					blocked = append(blocked, need.Release)
				}
			}
			if len(blocked) > 0 {
				s.skip(n, blocked, "blocked by "+strings.Join(blocked, ", "))
				changed = true
			}
		}
	}
}

// skipRest skips what never started once nothing runs.
func (s *scheduler) skipRest() {
	reason := s.stopped
	if reason == "" {
		reason = "not started"
	}
	for _, n := range s.g.nodes {
		if s.results[n] == nil {
			s.skip(n, nil, reason)
		}
	}
	s.skipBlocked()
}

func (s *scheduler) skip(n string, blocked []string, reason string) {
	r := &Result{Release: n, Outcome: OutcomeSkipped, BlockedBy: slices.Clone(blocked), Reason: reason}
	s.results[n] = r
	if s.opts.OnFinish != nil {
		s.opts.OnFinish(*r)
	}
}

// required returns the strongest condition the needs on n ask.
func (s *scheduler) required(n string) Until {
	return s.g.Required(n)
}

// Required returns the strongest condition that the releases needing
// release name ask of it: tested over ready over deployed.
func (g *Graph) Required(name string) Until {
	rank := map[Until]int{UntilDeployed: 0, UntilReady: 1, UntilTested: 2}
	best := UntilDeployed
	for _, d := range g.dependants[name] {
		for _, need := range g.needs[d] {
			if need.Release == name && rank[need.Until] > rank[best] {
				best = need.Until
			}
		}
	}
	return best
}
