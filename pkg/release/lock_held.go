package release

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Lock is a held release lock. It is renewed in the background every third
// of the lease duration until Release; if renewal fails for longer than the
// lease lasts, or another client took the lock over, Lost is closed.
type Lock struct {
	// Name is the release the lock is for.
	Name string
	// TookOver is set when the lock was taken over from a holder that had
	// stopped renewing it: its operation was interrupted.
	TookOver *StaleHolder

	locker *Locker
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	lease   *coordinationv1.Lease
	lostErr error

	stopOnce sync.Once
	done     chan struct{}
	lost     chan struct{}
}

// hold starts renewing a Lease just acquired.
func (l *Locker) hold(ctx context.Context, name string, lease *coordinationv1.Lease, stale *StaleHolder) *Lock {
	// Renewals outlive the context Acquire was given (often one with a
	// timeout for the wait) and stop at Release.
	renewCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	lk := &Lock{
		Name:     name,
		TookOver: stale,
		locker:   l,
		ctx:      renewCtx,
		cancel:   cancel,
		lease:    lease,
		done:     make(chan struct{}),
		lost:     make(chan struct{}),
	}
	go lk.renewLoop()
	return lk
}

// Lost is closed when the lock is lost: the caller must stop changing the
// release. Err says why.
func (lk *Lock) Lost() <-chan struct{} { return lk.lost }

// Err returns why the lock was lost, nil while it is held.
func (lk *Lock) Err() error {
	lk.mu.Lock()
	defer lk.mu.Unlock()
	return lk.lostErr
}

func (lk *Lock) renewLoop() {
	defer close(lk.done)
	ticker := lk.locker.clock.NewTicker(lk.locker.duration / 3)
	defer ticker.Stop()
	for {
		select {
		case <-lk.ctx.Done():
			return
		case <-ticker.C():
		}
		// A renewal that hangs must not outlast the next one.
		ctx, cancel := context.WithTimeout(lk.ctx, lk.locker.duration/3)
		err := lk.renew(ctx)
		cancel()
		if err == nil {
			continue
		}
		lk.mu.Lock()
		expired := !lk.locker.clock.Now().Before(expiry(lk.lease))
		lk.mu.Unlock()
		if errors.Is(err, ErrNotHolder) || expired {
			lk.markLost(err)
			return
		}
	}
}

// renew moves the Lease's renew time to now, following our own earlier
// writes on conflict; ErrNotHolder if someone else holds it now.
func (lk *Lock) renew(ctx context.Context) error {
	l := lk.locker
	lk.mu.Lock()
	lease := lk.lease.DeepCopy()
	lk.mu.Unlock()
	for range 2 {
		now := metav1.NewMicroTime(l.clock.Now())
		lease.Spec.RenewTime = &now
		updated, err := l.leases.Update(ctx, lease, metav1.UpdateOptions{})
		if err == nil {
			lk.setLease(updated)
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return fmt.Errorf("renew %s: %w", l.describe(lk.Name), err)
		}
		current, err := lk.current(ctx)
		if err != nil {
			return err
		}
		lease = current
	}
	return fmt.Errorf("renew %s: changed concurrently twice", l.describe(lk.Name))
}

// current reads the Lease and checks it is still ours.
func (lk *Lock) current(ctx context.Context) (*coordinationv1.Lease, error) {
	l := lk.locker
	lease, err := l.leases.Get(ctx, LockName(lk.Name), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%s: the lock was deleted: %w", l.describe(lk.Name), ErrNotHolder)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", l.describe(lk.Name), err)
	}
	if holder := holderOf(lease); holder != l.identity || lease.UID != lk.lease.UID {
		return nil, fmt.Errorf("%s: locked by %s since %s: %w", l.describe(lk.Name), holder,
			timeOf(lease.Spec.AcquireTime).UTC().Format(time.RFC3339), ErrNotHolder)
	}
	return lease, nil
}

func (lk *Lock) setLease(lease *coordinationv1.Lease) {
	lk.mu.Lock()
	lk.lease = lease
	lk.mu.Unlock()
}

func (lk *Lock) markLost(err error) {
	lk.mu.Lock()
	lk.lostErr = fmt.Errorf("lock of release %q lost: %w", lk.Name, err)
	lk.mu.Unlock()
	close(lk.lost)
}

// Release stops renewing the lock and deletes its Lease, provided the Lease
// is still ours and unchanged since we read it (UID and resourceVersion
// preconditions). It refuses with ErrNotHolder if another client took the
// lock over.
func (lk *Lock) Release(ctx context.Context) error {
	lk.stopOnce.Do(lk.cancel)
	<-lk.done
	l := lk.locker
	for range 3 {
		lease, err := lk.current(ctx)
		if err != nil {
			return fmt.Errorf("unlock release %q: %w", lk.Name, err)
		}
		err = l.leases.Delete(ctx, LockName(lk.Name), metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion},
		})
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("unlock release %q: delete %s: %w", lk.Name, l.describe(lk.Name), err)
		}
		return nil
	}
	return fmt.Errorf("unlock release %q: %s changed concurrently", lk.Name, l.describe(lk.Name))
}
