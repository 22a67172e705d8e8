package release

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RecoverPending marks failed every revision of the release left in a
// pending-install, pending-upgrade or pending-rollback status, and returns
// them as they are now. Call it while holding the release lock after
// Acquire reported that it took over a stale lock: the holder died, so the
// operation those revisions record will never finish.
func RecoverPending(ctx context.Context, store Storage, name string, now time.Time) ([]Summary, error) {
	history, err := store.History(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recover pending revisions of release %q: %w", name, err)
	}
	var recovered []Summary
	for _, s := range history {
		if !s.Status.IsPending() {
			continue
		}
		rel, err := store.Get(ctx, name, s.Revision)
		if err != nil {
			return recovered, fmt.Errorf("recover release %q revision %d: %w", name, s.Revision, err)
		}
		rel.Description = fmt.Sprintf("%s interrupted: the client holding the release lock stopped", operationOf(rel.Status))
		rel.Status = StatusFailed
		rel.LastDeployed = now
		if err := store.Update(ctx, rel); err != nil {
			return recovered, fmt.Errorf("recover release %q revision %d: %w", name, s.Revision, err)
		}
		recovered = append(recovered, rel.Summary())
	}
	return recovered, nil
}

// operationOf names the operation a pending status records.
func operationOf(s Status) string {
	switch s {
	case StatusPendingInstall:
		return "Install"
	case StatusPendingUpgrade:
		return "Upgrade"
	case StatusPendingRollback:
		return "Rollback"
	}
	return "Operation"
}
