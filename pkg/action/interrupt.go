package action

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInterrupted matches the error of an operation stopped before it
// finished because its context ended: Ctrl-C, SIGTERM, or the release's
// lock lost.
var ErrInterrupted = errors.New("interrupted")

// recordTimeout bounds writing the outcome of an interrupted operation:
// its own context is cancelled, yet the revision must not stay pending.
const recordTimeout = 10 * time.Second

// InterruptedError reports an operation whose context ended before it
// finished; its revision was recorded failed. It matches ErrInterrupted.
type InterruptedError struct {
	// Operation is what was interrupted ("Install", "Upgrade", ...).
	Operation string
	// Revision is the revision recorded failed.
	Revision int
	// Cause is why the context ended ("interrupt signal received").
	Cause error
	// Err is the error the operation stopped with.
	Err error
}

// Error says what was interrupted, why, and that the revision was
// recorded failed.
func (e *InterruptedError) Error() string {
	return fmt.Sprintf("%s interrupted (%v); revision %d recorded failed", e.Operation, e.Cause, e.Revision)
}

// Unwrap returns the error the operation stopped with.
func (e *InterruptedError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInterrupted.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// interruption returns why ctx ended, nil while it has not.
func interruption(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// recordContext returns a context to record an operation's outcome with:
// ctx's values without its cancellation, bounded by recordTimeout.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}
