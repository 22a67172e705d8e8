package stack

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// graphOf builds a graph from "name:need,need" specs.
func graphOf(t *testing.T, specs ...string) *Graph {
	t.Helper()
	var rels []Release
	for _, s := range specs {
		name, needs, _ := cutString(s, ":")
		r := Release{Name: name}
		for _, n := range splitNonEmpty(needs) {
			r.Needs = append(r.Needs, Need{Release: n})
		}
		rels = append(rels, r)
	}
	g, err := NewGraph(rels)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// fakeRunner runs each task until the test releases it: started receives
// the task's name as it starts; the task then waits for its own channel,
// whose value is its outcome.
type fakeRunner struct {
	started chan string
	release map[string]chan TaskResult
}

func newFakeRunner(names ...string) *fakeRunner {
	f := &fakeRunner{started: make(chan string, len(names)), release: map[string]chan TaskResult{}}
	for _, n := range names {
		f.release[n] = make(chan TaskResult, 1)
	}
	return f
}

func (f *fakeRunner) run(ctx context.Context, t Task) TaskResult {
	f.started <- t.Release
	select {
	case r := <-f.release[t.Release]:
		return r
	case <-ctx.Done():
		return TaskResult{Outcome: OutcomeFailed, Err: ctx.Err()}
	}
}

func (f *fakeRunner) finish(name string, o Outcome) {
	var err error
	if o == OutcomeFailed {
		err = errors.New("boom")
	}
	f.release[name] <- TaskResult{Outcome: o, Err: err}
}

// expectStarted reads the next n starts, in any order.
func (f *fakeRunner) expectStarted(t *testing.T, want ...string) {
	t.Helper()
	var got []string
	for range want {
		got = append(got, <-f.started)
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("started (-want +got):\n%s", diff)
	}
}

func (f *fakeRunner) expectNoneStarted(t *testing.T) {
	t.Helper()
	select {
	case n := <-f.started:
		t.Fatalf("%s started", n)
	default:
	}
}

func outcomes(results []Result) map[string]Outcome {
	out := map[string]Outcome{}
	for _, r := range results {
		out[r.Release] = r.Outcome
	}
	return out
}

// TestScheduleStartsWhenOwnNeedsHold proves node-by-node scheduling: b,
// which needs a, starts as soon as a succeeded, while slow (unrelated,
// started with a) is still running; a layered scheduler would wait for
// slow.
func TestScheduleStartsWhenOwnNeedsHold(t *testing.T) {
	g := graphOf(t, "a:", "slow:", "b:a", "c:b,slow")
	f := newFakeRunner("a", "slow", "b", "c")
	done := make(chan []Result)
	go func() { done <- Schedule(t.Context(), g, f.run, ScheduleOptions{}) }()
	f.expectStarted(t, "a", "slow")
	f.finish("a", OutcomeSucceeded)
	f.expectStarted(t, "b") // slow still runs
	f.finish("b", OutcomeUnchanged)
	f.expectNoneStarted(t) // c needs slow too
	f.finish("slow", OutcomeSucceeded)
	f.expectStarted(t, "c")
	f.finish("c", OutcomeSucceeded)
	got := outcomes(<-done)
	want := map[string]Outcome{"a": OutcomeSucceeded, "slow": OutcomeSucceeded, "b": OutcomeUnchanged, "c": OutcomeSucceeded}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestScheduleFailureStopsNewStarts(t *testing.T) {
	g := graphOf(t, "a:", "slow:", "b:a", "x:slow")
	f := newFakeRunner("a", "slow", "b", "x")
	finished := make(chan string, 4)
	done := make(chan []Result)
	go func() {
		done <- Schedule(t.Context(), g, f.run, ScheduleOptions{OnFinish: func(r Result) { finished <- r.Release }})
	}()
	f.expectStarted(t, "a", "slow")
	f.finish("a", OutcomeFailed)
	for n := <-finished; n != "a"; n = <-finished {
	}
	// slow keeps running and finishes; x, independent of a, is not started.
	f.finish("slow", OutcomeSucceeded)
	results := <-done
	f.expectNoneStarted(t)
	want := map[string]Outcome{"a": OutcomeFailed, "slow": OutcomeSucceeded, "b": OutcomeSkipped, "x": OutcomeSkipped}
	if diff := cmp.Diff(want, outcomes(results)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if got := results[2].BlockedBy; !slices.Equal(got, []string{"a"}) {
		t.Errorf("b blocked by %v, want [a]", got)
	}
	if results[3].BlockedBy != nil || results[3].Reason == "" {
		t.Errorf("x: blocked by %v, reason %q; want no blocker and the stop as reason", results[3].BlockedBy, results[3].Reason)
	}
}

func TestScheduleKeepGoing(t *testing.T) {
	g := graphOf(t, "a:", "slow:", "b:a", "c:b", "x:slow")
	f := newFakeRunner("a", "slow", "b", "c", "x")
	done := make(chan []Result)
	go func() { done <- Schedule(t.Context(), g, f.run, ScheduleOptions{KeepGoing: true}) }()
	f.expectStarted(t, "a", "slow")
	f.finish("a", OutcomeFailed)
	f.finish("slow", OutcomeSucceeded)
	f.expectStarted(t, "x")
	f.finish("x", OutcomeSucceeded)
	results := <-done
	want := map[string]Outcome{"a": OutcomeFailed, "slow": OutcomeSucceeded, "b": OutcomeSkipped, "c": OutcomeSkipped, "x": OutcomeSucceeded}
	if diff := cmp.Diff(want, outcomes(results)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if got := results[3].BlockedBy; !slices.Equal(got, []string{"b"}) {
		t.Errorf("c blocked by %v, want [b]", got)
	}
}

func TestScheduleConcurrency(t *testing.T) {
	g := graphOf(t, "a:", "b:", "c:")
	f := newFakeRunner("a", "b", "c")
	done := make(chan []Result)
	go func() { done <- Schedule(t.Context(), g, f.run, ScheduleOptions{Concurrency: 2}) }()
	f.expectStarted(t, "a", "b")
	f.expectNoneStarted(t)
	f.finish("b", OutcomeSucceeded)
	f.expectStarted(t, "c")
	f.finish("a", OutcomeSucceeded)
	f.finish("c", OutcomeSucceeded)
	<-done
}

func TestScheduleInterrupted(t *testing.T) {
	g := graphOf(t, "a:", "b:a")
	f := newFakeRunner("a", "b")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan []Result)
	go func() { done <- Schedule(ctx, g, f.run, ScheduleOptions{}) }()
	f.expectStarted(t, "a")
	cancel()
	results := <-done
	want := map[string]Outcome{"a": OutcomeFailed, "b": OutcomeSkipped}
	if diff := cmp.Diff(want, outcomes(results)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestScheduleRequiredCondition(t *testing.T) {
	rels := []Release{
		{Name: "db"},
		{Name: "api", Needs: []Need{{Release: "db", Until: UntilReady}}},
		{Name: "web", Needs: []Need{{Release: "db"}}},
	}
	g, err := NewGraph(rels)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Until{}
	ch := make(chan Task, 3)
	Schedule(t.Context(), g, func(_ context.Context, task Task) TaskResult {
		ch <- task
		return TaskResult{Outcome: OutcomeSucceeded}
	}, ScheduleOptions{})
	close(ch)
	for task := range ch {
		got[task.Release] = task.Until
	}
	want := map[string]Until{"db": UntilReady, "api": UntilDeployed, "web": UntilDeployed}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
}
