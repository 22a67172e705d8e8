package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth-sh/berth/pkg/release"
)

// withLock runs fn holding the lock of release name: it waits up to
// timeout for another client's lock, marks failed the revisions an
// interrupted operation left pending, and cancels fn's context if the lock
// is lost. The lock is released whatever fn returns.
func withLock(ctx context.Context, cfg *Configuration, name string, timeout time.Duration,
	fn func(ctx context.Context) error,
) (err error) {
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	lock, err := cfg.Locker.Acquire(ctx, name, timeout)
	if err != nil {
		return fmt.Errorf("lock release %q: %w", name, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-lock.Lost():
			cancel(fmt.Errorf("lost the lock of release %q: %w", name, lock.Err()))
		case <-ctx.Done():
		}
	}()
	defer func() {
		cancel(nil)
		// Release with a fresh context: the operation's may be cancelled,
		// and a lock left behind would make the next client wait.
		relCtx, relCancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer relCancel()
		if rerr := lock.Release(relCtx); rerr != nil && !errors.Is(rerr, release.ErrNotHolder) {
			err = errors.Join(err, fmt.Errorf("unlock release %q: %w", name, rerr))
		}
	}()
	// Holding the lock, any pending revision is one whose operation was
	// interrupted: nobody else can be working on it.
	if _, err := release.RecoverPending(ctx, cfg.Store, name, cfg.now()); err != nil {
		return err
	}
	if err := fn(ctx); err != nil {
		if cause := context.Cause(ctx); ctx.Err() != nil && !errors.Is(err, cause) {
			return errors.Join(err, cause)
		}
		return err
	}
	return nil
}
