package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// diagnoseTimeout bounds reading the pods of the objects not ready once a
// wait has ended.
const diagnoseTimeout = 10 * time.Second

// waiter is one Wait: the awaited objects, their last seen state and
// status, and the events of their watches.
type waiter struct {
	client  *Client
	groups  []*watchGroup
	targets []*waitTarget
	opts    WaitOptions
	live    []*unstructured.Unstructured
	status  []ObjectStatus
	known   []bool
	pods    *podTracker
	updates chan waitUpdate
}

// waitUpdate is what a watch saw: an object (nil once deleted), the end of
// its initial list, a change to the pods of a namespace, or an error.
type waitUpdate struct {
	group        *watchGroup
	name         string
	obj          *unstructured.Unstructured
	synced       bool
	podNamespace string
	err          error
}

func newWaiter(c *Client, groups []*watchGroup, targets []*waitTarget, opts WaitOptions) *waiter {
	return &waiter{
		client: c, groups: groups, targets: targets, opts: opts,
		live:    make([]*unstructured.Unstructured, len(targets)),
		status:  make([]ObjectStatus, len(targets)),
		known:   make([]bool, len(targets)),
		updates: make(chan waitUpdate, 64),
	}
}

// run watches every group and returns once all objects are Current, with
// the context's error, ErrWaitFailed or a watch error otherwise.
func (w *waiter) run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	for _, g := range w.groups {
		if err := w.watch(ctx, g); err != nil {
			return err
		}
	}
	if err := w.watchPods(ctx); err != nil {
		return fmt.Errorf("watch pods: %w", err)
	}
	var graceOver <-chan time.Time
	graceStarted := false
	for !w.allReady() {
		if !graceStarted && w.onlyGraceLeft() {
			graceStarted, graceOver = true, w.opts.after(w.opts.statusGrace())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-graceOver:
			graceOver = nil
			if err := w.endGrace(); err != nil {
				return err
			}
		case u := <-w.updates:
			if err := w.handle(u); err != nil {
				return err
			}
		}
	}
	return nil
}

// onlyGraceLeft reports whether the objects not ready are all custom
// resources awaited for a first status within the grace that have none:
// the grace then starts.
func (w *waiter) onlyGraceLeft() bool {
	waiting := false
	for i, t := range w.targets {
		if w.known[i] && w.status[i].Status == StatusCurrent {
			continue
		}
		if !w.known[i] || t.expect != statusWithinGrace || w.live[i] == nil || hasStatus(w.live[i]) {
			return false
		}
		waiting = true
	}
	return waiting
}

// endGrace counts ready the objects still without a first status at the
// end of the grace.
func (w *waiter) endGrace() error {
	for i, t := range w.targets {
		if t.expect != statusWithinGrace {
			continue
		}
		t.graceOver = true
		if w.known[i] {
			if err := w.set(i, w.live[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// learnStatus notes that obj, the object of target i, carries a status:
// a controller writes the status of its kind, so every object of the kind
// still within the grace is now awaited until its status shows it ready.
func (w *waiter) learnStatus(i int, obj *unstructured.Unstructured) error {
	t := w.targets[i]
	if t.expect != statusWithinGrace || t.graceOver || obj == nil || !hasStatus(obj) {
		return nil
	}
	var others []int
	for j, o := range w.targets {
		if o.resource == t.resource && o.expect == statusWithinGrace && !o.graceOver {
			o.expect = statusRequired
			if j != i && w.known[j] {
				others = append(others, j)
			}
		}
	}
	for _, j := range others {
		if err := w.set(j, w.live[j]); err != nil {
			return err
		}
	}
	return nil
}

func (w *waiter) allReady() bool {
	for i := range w.targets {
		if !w.known[i] || w.status[i].Status != StatusCurrent {
			return false
		}
	}
	return true
}

// handle records what a watch saw.
func (w *waiter) handle(u waitUpdate) error {
	switch {
	case u.err != nil:
		return u.err
	case u.podNamespace != "":
		return w.podsChanged(u.podNamespace)
	case u.synced:
		// Objects absent from the initial list do not exist (yet).
		for _, i := range u.group.names {
			if !w.known[i] {
				if err := w.set(i, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
	i := u.group.names[u.name]
	w.live[i] = u.obj
	if err := w.learnStatus(i, u.obj); err != nil {
		return err
	}
	return w.set(i, u.obj)
}

// set computes the status of target i from obj and reports it if it
// changed.
func (w *waiter) set(i int, obj *unstructured.Unstructured) error {
	st := computeStatus(w.targets[i], obj, statusRules{
		waitForJobs: w.opts.WaitForJobs, grace: w.opts.statusGrace(), now: w.opts.now(),
	})
	if st.Status != StatusCurrent {
		if reasons := w.pods.reasons(st.Ref, obj); reasons != "" {
			st.Message += ": " + reasons
		}
	}
	if w.known[i] && st == w.status[i] {
		return nil
	}
	w.status[i], w.known[i] = st, true
	if w.opts.OnStatus != nil {
		w.opts.OnStatus(st)
	}
	if terminal(st, obj) {
		return fmt.Errorf("%s: %w", st, ErrWaitFailed)
	}
	return nil
}

// watch starts an informer on the objects of g: of one name when g has
// one object, else of the whole namespace, filtered by name.
func (w *waiter) watch(ctx context.Context, g *watchGroup) error {
	resource := w.client.dynamic.Resource(g.resource).Namespace(g.namespace)
	tweak := func(*metav1.ListOptions) {}
	if len(g.names) == 1 {
		for name := range g.names {
			selector := fields.OneTermEqualSelector("metadata.name", name).String()
			tweak = func(o *metav1.ListOptions) { o.FieldSelector = selector }
		}
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			tweak(&o)
			return resource.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			tweak(&o)
			return resource.Watch(ctx, o)
		},
	}
	inf := cache.NewSharedIndexInformer(lw, &unstructured.Unstructured{}, 0, cache.Indexers{})
	if err := inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, _ *cache.Reflector, err error) {
		// Other errors are retried by the informer, with backoff.
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			w.send(ctx, waitUpdate{err: fmt.Errorf("watch %s in namespace %q: %w", g.resource.Resource, g.namespace, err)})
		}
	}); err != nil {
		return fmt.Errorf("watch %s: %w", g.resource.Resource, err)
	}
	reg, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.sendObject(ctx, g, obj, false) },
		UpdateFunc: func(_, obj any) { w.sendObject(ctx, g, obj, false) },
		DeleteFunc: func(obj any) { w.sendObject(ctx, g, obj, true) },
	})
	if err != nil {
		return fmt.Errorf("watch %s: %w", g.resource.Resource, err)
	}
	go inf.RunWithContext(ctx)
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), reg.HasSynced) {
			w.send(ctx, waitUpdate{group: g, synced: true})
		}
	}()
	return nil
}

// sendObject hands an object of g that the wait is about to the wait loop.
func (w *waiter) sendObject(ctx context.Context, g *watchGroup, obj any, deleted bool) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	if _, ok := g.names[u.GetName()]; !ok {
		return
	}
	update := waitUpdate{group: g, name: u.GetName(), obj: u}
	if deleted {
		update.obj = nil
	}
	w.send(ctx, update)
}

func (w *waiter) send(ctx context.Context, u waitUpdate) {
	select {
	case w.updates <- u:
	case <-ctx.Done():
	}
}

// failure returns the WaitError of a wait that ended with err (the
// context's error or ErrWaitFailed), each object not ready with the reasons
// its pods give; other errors are returned as they are.
func (w *waiter) failure(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, ErrWaitFailed):
		err = ErrWaitFailed
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
	default:
		return err
	}
	var notReady []ObjectStatus
	var live []*unstructured.Unstructured
	for i, t := range w.targets {
		st := w.status[i]
		if !w.known[i] {
			st = ObjectStatus{Ref: t.ref, Status: StatusUnknown, Message: "no status seen yet"}
		}
		if st.Status != StatusCurrent {
			notReady = append(notReady, st)
			live = append(live, w.live[i])
		}
	}
	// The wait's context may be over: read the pods on one of their own.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnoseTimeout)
	defer cancel()
	indexes := make([]int, len(notReady))
	for i := range indexes {
		indexes[i] = i
	}
	_ = forEach(dctx, indexes, DefaultConcurrency, func(ctx context.Context, i int) error {
		if w.pods.tracks(notReady[i].Ref) || live[i] == nil {
			return nil // the message has the reasons already, or no pods
		}
		reasons := w.client.podReasons(ctx, notReady[i].Ref, live[i])
		if reasons != "" && !strings.Contains(notReady[i].Message, reasons) {
			notReady[i].Message += ": " + reasons
		}
		return nil
	})
	return &WaitError{
		NotReady: notReady, Total: len(w.targets), Timeout: w.opts.Timeout, Err: err,
		Deletion: len(w.targets) > 0 && w.targets[0].gone,
	}
}
