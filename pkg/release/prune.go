package release

import (
	"context"
	"errors"
	"fmt"
)

// Prune deletes the oldest revisions of the release until at most
// maxRevisions remain, never deleting the last deployed revision (which may
// leave one more). maxRevisions <= 0 means no limit. It returns what it
// deleted, oldest first; on errors it goes on deleting the others and
// returns them joined, as a later Prune finishes the job.
//
// Callers about to create a revision prune to maxRevisions-1 first, as
// Helm's --history-max does, to make room for it.
func Prune(ctx context.Context, store Storage, name string, maxRevisions int) ([]Summary, error) {
	if maxRevisions <= 0 {
		return nil, nil
	}
	history, err := store.History(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("prune release %q: %w", name, err)
	}
	keep, hasDeployed := lastDeployed(history)
	excess := len(history) - maxRevisions
	var deleted []Summary
	var errs []error
	for _, s := range history {
		if excess <= 0 {
			break
		}
		if hasDeployed && s.Revision == keep.Revision {
			continue
		}
		excess--
		if err := store.Delete(ctx, name, s.Revision); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("prune release %q revision %d: %w", name, s.Revision, err))
			continue
		}
		deleted = append(deleted, s)
	}
	return deleted, errors.Join(errs...)
}
