package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ErrWaitFailed means an awaited object failed for good (a failed Job or
// Pod) before the others were ready.
var ErrWaitFailed = errors.New("object failed")

// WaitOptions tune Wait.
type WaitOptions struct {
	// Timeout bounds the wait; 0 leaves it to the context.
	Timeout time.Duration
	// WaitForJobs counts Jobs only once complete; without it a Job counts
	// once created.
	WaitForJobs bool
	// OnStatus is called, from one goroutine at a time, with the first
	// status of every object and each change of its status or message.
	OnStatus func(ObjectStatus)
	// StatusGrace is how long a custom resource of a kind whose controller
	// may never write a status is awaited for a first one before it counts
	// ready (see Wait); 0 is DefaultStatusGrace.
	StatusGrace time.Duration
	// WaitForStatus are kinds whose custom resources are never counted
	// ready without a status (--wait-for-status): Kind matches any group,
	// case-insensitively; a Group limits it to that group.
	WaitForStatus []schema.GroupKind
	// Now and After are the clock (time.Now and time.After when nil), for
	// tests.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

func (o WaitOptions) statusGrace() time.Duration {
	if o.StatusGrace > 0 {
		return o.StatusGrace
	}
	return DefaultStatusGrace
}

func (o WaitOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o WaitOptions) after(d time.Duration) <-chan time.Time {
	if o.After != nil {
		return o.After(d)
	}
	return time.After(d)
}

// WaitError is a wait that ended before every object was ready: at the
// timeout, on interruption, or when an object failed for good. Check it
// with errors.As; it unwraps to context.DeadlineExceeded at the timeout,
// the context's error on interruption, or ErrWaitFailed.
type WaitError struct {
	// NotReady lists the objects not ready, in the order given to Wait,
	// with their reasons.
	NotReady []ObjectStatus
	// Total is how many objects were awaited.
	Total int
	// Timeout is WaitOptions.Timeout.
	Timeout time.Duration
	// Err is why the wait ended.
	Err error
	// Deletion says the wait was for deleted objects to be gone
	// (WaitGone).
	Deletion bool
}

// Error says why the wait ended and lists every object not ready with its
// reason: "timed out after 5m0s waiting for 1 of 4 objects:
// Deployment/ns/web: 1/3 replicas available: ImagePullBackOff on pod
// web-abc".
func (e *WaitError) Error() string {
	var what string
	switch {
	case errors.Is(e.Err, ErrWaitFailed):
		what = fmt.Sprintf("%d of %d objects not ready, failed for good", len(e.NotReady), e.Total)
	case errors.Is(e.Err, context.DeadlineExceeded) && e.Timeout > 0 && e.Deletion:
		what = fmt.Sprintf("timed out after %s waiting for %d of %d deleted objects to be gone", e.Timeout, len(e.NotReady), e.Total)
	case errors.Is(e.Err, context.DeadlineExceeded) && e.Timeout > 0:
		what = fmt.Sprintf("timed out after %s waiting for %d of %d objects", e.Timeout, len(e.NotReady), e.Total)
	case e.Deletion:
		what = fmt.Sprintf("wait interrupted (%v) with %d of %d deleted objects not gone", e.Err, len(e.NotReady), e.Total)
	default:
		what = fmt.Sprintf("wait interrupted (%v) with %d of %d objects not ready", e.Err, len(e.NotReady), e.Total)
	}
	parts := make([]string, len(e.NotReady))
	for i, st := range e.NotReady {
		parts[i] = st.String()
	}
	return what + ": " + strings.Join(parts, "; ")
}

// Unwrap returns why the wait ended.
func (e *WaitError) Unwrap() error { return e.Err }

// Wait waits until every object that entries created, configured,
// replaced or left unchanged is ready (kstatus Current), watching each kind in each
// namespace with one list and watch. An object counts only once its status
// reflects the apply that produced its entry (see ChangeSetEntry's
// Generation): a Deployment once its controller observed the applied
// generation and enough replicas are available. Deleted and skipped
// entries are not awaited, nor objects annotated berth.sh/wait: none; one
// annotated berth.sh/wait: exists counts once it exists.
//
// A custom resource whose definition has a status subresource is not
// ready before it has a status (written after the apply, when it has no
// observedGeneration) if some object of its kind carries a status (a
// controller writes them), if it is annotated berth.sh/wait: ready or if
// opts.WaitForStatus names its kind. Otherwise its controller may never
// write one (prometheus-operator's rules and monitors): it is awaited for
// a first status only for opts.StatusGrace, counted from when every other
// object is ready (the controllers the release installs then run), and
// then counts ready with the message "no status from a controller within
// 20s; counted ready". So does one that has existed for the grace without
// a status. A status arriving within the grace is awaited as above.
//
// It returns a *WaitError listing the objects not ready, with the reasons
// their pods give, at the timeout, when ctx ends, or as soon as a Job or
// Pod fails.
func (c *Client) Wait(ctx context.Context, entries []ChangeSetEntry, opts WaitOptions) error {
	groups, targets, err := c.waitTargets(ctx, entries, opts)
	if err != nil || len(targets) == 0 {
		return err
	}
	return c.await(ctx, groups, targets, opts)
}

// await watches groups until every target is Current, within opts.Timeout.
func (c *Client) await(ctx context.Context, groups []*watchGroup, targets []*waitTarget, opts WaitOptions) error {
	waitCtx, cancel := ctx, context.CancelFunc(func() {})
	if opts.Timeout > 0 {
		waitCtx, cancel = context.WithTimeout(ctx, opts.Timeout)
	}
	defer cancel()
	w := newWaiter(c, groups, targets, opts)
	err := w.run(waitCtx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return w.failure(ctx, err)
}

// watchGroup is the awaited objects of one resource in one namespace,
// watched together.
type watchGroup struct {
	resource  schema.GroupVersionResource
	namespace string
	// names maps each object's name to its index in the targets.
	names map[string]int
	// order is the group's rank among the groups of its wait.
	order int
}

// waitTargets resolves the entries to await and groups them by resource
// and namespace.
func (c *Client) waitTargets(ctx context.Context, entries []ChangeSetEntry, opts WaitOptions) ([]*watchGroup, []*waitTarget, error) {
	var targets []*waitTarget
	byKey := watchGroups{}
	kinds := map[schema.GroupResource]kindStatus{}
	for _, e := range entries {
		switch e.Action {
		case ActionCreated, ActionConfigured, ActionUnchanged, ActionReplaced:
		default:
			continue
		}
		if e.Wait == WaitNone {
			continue
		}
		mapping, err := c.anyMapping(e.Ref)
		if err != nil {
			return nil, nil, objectError(e.Ref, "resolve kind to wait for", err)
		}
		gr := mapping.Resource.GroupResource()
		forced := forcesStatus(opts.WaitForStatus, e.Ref.GroupKind())
		if _, ok := kinds[gr]; !ok {
			kinds[gr] = c.kindStatusOf(ctx, mapping, e.Ref.Namespace, !forced)
		}
		if !byKey.add(mapping, e.Ref, len(targets)) {
			continue
		}
		targets = append(targets, &waitTarget{
			ref: e.Ref, resource: gr, generation: e.Generation, resourceVersion: e.ResourceVersion,
			changed: e.Action != ActionUnchanged, existsOnly: e.Wait == WaitExists,
			expect: kinds[gr].expectation(e.Wait, forced),
		})
	}
	return byKey.list(), targets, nil
}

// watchGroups are the watch groups of one wait, by resource and namespace,
// in the order first added.
type watchGroups map[string]*watchGroup

// add adds the object of ref, target number index, to the group of its
// resource and namespace; false when the group has it already.
func (gs watchGroups) add(mapping *meta.RESTMapping, ref ObjectRef, index int) bool {
	key := mapping.Resource.String() + "/" + ref.Namespace
	g := gs[key]
	if g == nil {
		g = &watchGroup{resource: mapping.Resource, namespace: ref.Namespace, names: map[string]int{}, order: len(gs)}
		gs[key] = g
	}
	if _, dup := g.names[ref.Name]; dup {
		return false
	}
	g.names[ref.Name] = index
	return true
}

// list returns the groups in the order first added.
func (gs watchGroups) list() []*watchGroup {
	out := make([]*watchGroup, len(gs))
	for _, g := range gs {
		out[g.order] = g
	}
	return out
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
