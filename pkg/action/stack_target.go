package action

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// StackTarget is one environment of a stack for PlanStack, ApplyStack and
// the other stack actions: the stack, the environment's cluster and what
// to do there.
type StackTarget struct {
	// Stack is the stack file.
	Stack *stack.Stack
	// Environment is the environment's name ("" for a stack without).
	Environment string
	// KubeContext is the environment's context, for reports.
	KubeContext string
	// Config returns the action configuration of releases of namespace ns
	// in the environment's cluster. It is called from several goroutines.
	Config func(ns string) (*Configuration, error)
	// Inventory is the stack's inventory in the environment.
	Inventory *stack.InventoryStore
	// Locator finds the charts.
	Locator *ChartLocator
	// Lock pins the charts; nil when there is no berth.lock.
	Lock *stack.Lock
	// Values are the command line's values, by release name (--set
	// RELEASE.key=value).
	Values map[string]map[string]any
	// Selected keeps the releases to act on; nil keeps all. Needs on
	// releases it leaves out are taken to hold, and nothing is pruned.
	Selected func(stack.Release) bool
	// Progress receives the events of the run; nil discards them. It is
	// called from several goroutines.
	Progress func(StackEvent)
	// Now returns the time; nil is time.Now.
	Now func() time.Time
	// Origin is who applies, recorded in each revision's provenance.
	Origin Origin
	// PromotedFrom names, by release, the source of a promotion
	// (PromoteStack), recorded in the revision's provenance.
	PromotedFrom map[string]*release.PromotedFrom
}

// StackEvent is one step of a stack run, for the user to watch: a release
// starting or ending, or an event of the action running on it.
type StackEvent struct {
	Type        string    `json:"type"`
	Time        time.Time `json:"time"`
	Environment string    `json:"environment,omitempty"`
	Release     string    `json:"release,omitempty"`
	// Outcome is the release's outcome, for release-finished.
	Outcome string `json:"outcome,omitempty"`
	// Message explains the outcome or the step.
	Message string `json:"message,omitempty"`
	// Event is the release action's own event, for release-event.
	Event *Event `json:"event,omitempty"`
}

// Types of StackEvent.
const (
	StackEventStarted  = "release-started"
	StackEventFinished = "release-finished"
	StackEventRelease  = "release-event"
	StackEventPruned   = "release-pruned"
)

func (t *StackTarget) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *StackTarget) emit(e StackEvent) {
	if t.Progress == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = t.now()
	}
	e.Environment = t.Environment
	t.Progress(e)
}

// releases returns the releases of the environment that t selects, in
// file order.
func (t *StackTarget) releases() []stack.Release {
	var out []stack.Release
	for _, r := range t.Stack.Enabled(t.Environment) {
		if t.Selected == nil || t.Selected(r) {
			out = append(out, r)
		}
	}
	return out
}

// stackRelease is one release prepared for a run: its settings, chart and
// values.
type stackRelease struct {
	res   *stack.Resolved
	chart *LocatedChart
	user  map[string]any
	needs []string
	// planned is the release's plan when applying one.
	planned *stack.PlannedRelease
}

// prepare resolves, locates (pinned by the lock) and reads the values of
// every release, in parallel. Every release's error is reported, joined.
func (t *StackTarget) prepare(ctx context.Context, rels []stack.Release) (map[string]*stackRelease, error) {
	out := make(map[string]*stackRelease, len(rels))
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, r := range rels {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			sr, err := t.prepareOne(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("release %s: %w", r.Name, err))
				return
			}
			out[r.Name] = sr
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (t *StackTarget) prepareOne(ctx context.Context, r stack.Release) (*stackRelease, error) {
	res, err := t.Stack.Resolve(t.Environment, r.Name)
	if err != nil {
		return nil, err
	}
	lc, err := t.locate(ctx, res)
	if err != nil {
		return nil, err
	}
	user, err := res.Values(t.Values[r.Name])
	if err != nil {
		return nil, err
	}
	sr := &stackRelease{res: res, chart: lc, user: user}
	for _, n := range r.Needs {
		sr.needs = append(sr.needs, n.Release)
	}
	return sr, nil
}

// config returns the action configuration of release sr, with its events
// forwarded as stack events.
func (t *StackTarget) config(name, ns string) (*Configuration, error) {
	cfg, err := t.Config(ns)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	if t.Progress != nil {
		cfg.Progress = func(e Event) {
			t.emit(StackEvent{Type: StackEventRelease, Release: name, Event: &e, Time: e.Time})
		}
	}
	return cfg, nil
}
