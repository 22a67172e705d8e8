package release

import (
	"context"
	"fmt"
	"math"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

// Polling bounds used only when the Lease cannot be watched.
const (
	minPoll = 250 * time.Millisecond
	maxPoll = 4 * time.Second
)

// Acquire takes the lock of release name, waiting up to timeout while
// another client holds it: it watches the Lease and retries as soon as it
// is released, or when it expires. It fails with a *LockedError (ErrLocked)
// naming the holder when the timeout passes first. If the holder had
// stopped renewing the lock, Acquire takes it over and says so in
// Lock.TookOver: the caller should then mark the interrupted revisions
// failed (RecoverPending). The lock is renewed in the background until
// Release.
func (l *Locker) Acquire(ctx context.Context, name string, timeout time.Duration) (*Lock, error) {
	if err := ValidateName(name); err != nil {
		return nil, fmt.Errorf("lock release: %w", err)
	}
	start := l.clock.Now()
	deadline := start.Add(timeout)
	poll := minPoll
	for {
		lock, held, err := l.tryAcquire(ctx, name)
		if err != nil {
			return nil, err
		}
		if lock != nil {
			return lock, nil
		}
		if held == nil {
			continue // lost a race to another client: read the Lease again
		}
		now := l.clock.Now()
		if !now.Before(deadline) {
			return nil, &LockedError{
				Lease:  l.describe(name),
				Holder: holderOf(held),
				Since:  timeOf(held.Spec.AcquireTime),
				Waited: now.Sub(start),
			}
		}
		wake := min(deadline.Sub(now), expiry(held).Sub(now))
		watched, err := l.wait(ctx, name, held.ResourceVersion, max(wake, 0), poll)
		if err != nil {
			return nil, err
		}
		if !watched {
			poll = min(2*poll, maxPoll)
		}
	}
}

// tryAcquire makes one attempt: it returns the lock if it got it, the
// Lease as held by another client if not, or neither if it lost a race and
// should read again.
func (l *Locker) tryAcquire(ctx context.Context, name string) (*Lock, *coordinationv1.Lease, error) {
	lease, err := l.leases.Get(ctx, LockName(name), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease := l.newLease(name)
		created, err := retryWrite(ctx,
			func() (*coordinationv1.Lease, error) { return l.leases.Create(ctx, lease, metav1.CreateOptions{}) },
			func() (*coordinationv1.Lease, bool) { return l.ours(ctx, lease) })
		if apierrors.IsAlreadyExists(err) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("lock release: create %s: %w", l.describe(name), err)
		}
		return l.hold(ctx, name, created, nil), nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock release: read %s: %w", l.describe(name), err)
	}
	if !l.expired(lease) {
		return nil, lease, nil
	}
	var stale *StaleHolder
	if holder := holderOf(lease); holder != "" {
		stale = &StaleHolder{
			Holder:    holder,
			Since:     timeOf(lease.Spec.AcquireTime),
			RenewedAt: timeOf(lease.Spec.RenewTime),
		}
	}
	take := lease.DeepCopy()
	take.Spec = l.newLease(name).Spec
	take.Spec.LeaseTransitions = ptr.To(ptr.Deref(lease.Spec.LeaseTransitions, 0) + 1)
	updated, err := retryWrite(ctx,
		func() (*coordinationv1.Lease, error) { return l.leases.Update(ctx, take, metav1.UpdateOptions{}) },
		func() (*coordinationv1.Lease, bool) { return l.ours(ctx, take) })
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock release: take over %s: %w", l.describe(name), err)
	}
	return l.hold(ctx, name, updated, stale), nil, nil
}

// ours reads the Lease and reports whether it is the one we wrote: our
// identity, acquired at the time we wrote (as the API server keeps it, to
// the microsecond).
func (l *Locker) ours(ctx context.Context, wrote *coordinationv1.Lease) (*coordinationv1.Lease, bool) {
	current, err := l.leases.Get(ctx, wrote.Name, metav1.GetOptions{})
	if err != nil || holderOf(current) != l.identity {
		return nil, false
	}
	acquired := timeOf(current.Spec.AcquireTime).Truncate(time.Microsecond)
	return current, acquired.Equal(timeOf(wrote.Spec.AcquireTime).Truncate(time.Microsecond))
}

// newLease is the Lease of a lock just acquired by l.
func (l *Locker) newLease(name string) *coordinationv1.Lease {
	now := metav1.NewMicroTime(l.clock.Now())
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name:      LockName(name),
			Namespace: l.namespace,
			Labels:    map[string]string{LabelOwner: OwnerBerth, LabelName: name},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(l.identity),
			LeaseDurationSeconds: ptr.To(int32(min(l.duration/time.Second, math.MaxInt32))), //nolint:gosec // bounded by min
			AcquireTime:          &now,
			RenewTime:            &now,
		},
	}
}

// wait returns when the Lease changes after version rv, after d, or when
// ctx is done. Without a watch it returns after at most poll, and reports
// watched false.
func (l *Locker) wait(ctx context.Context, name, rv string, d, poll time.Duration) (watched bool, err error) {
	w, werr := l.leases.Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", LockName(name)).String(),
		ResourceVersion: rv,
	})
	if werr != nil {
		d = min(d, poll)
	} else {
		defer w.Stop()
	}
	timer := l.clock.NewTimer(d)
	defer timer.Stop()
	var events <-chan watch.Event // nil, blocking forever, without a watch
	if werr == nil {
		events = w.ResultChan()
	}
	select {
	case <-ctx.Done():
		return false, fmt.Errorf("lock release: wait for %s: %w", l.describe(name), ctx.Err())
	case <-timer.C():
	case <-events:
	}
	return werr == nil, nil
}
