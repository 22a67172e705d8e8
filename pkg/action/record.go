package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/release"
)

// fail records rel as failed with err as its description and returns err,
// joined with any error recording it. When ctx ended first, the
// description says the operation was interrupted and why, and the error is
// an InterruptedError.
func fail(ctx context.Context, cfg *Configuration, rel *release.Release, operation string, err error) error {
	rel.Status = release.StatusFailed
	rel.Description = fmt.Sprintf("%s failed: %v", operation, err)
	if cause := interruption(ctx); cause != nil {
		rel.Description = fmt.Sprintf("%s interrupted: %v", operation, cause)
		err = &InterruptedError{Operation: operation, Revision: rel.Revision, Cause: cause, Err: err}
	}
	rel.LastDeployed = cfg.now()
	// Record the failure even if the operation's context was cancelled.
	recCtx, cancel := recordContext(ctx)
	defer cancel()
	if uerr := cfg.Store.Update(recCtx, rel); uerr != nil {
		return errors.Join(err, fmt.Errorf("record release %q revision %d failed: %w", rel.Name, rel.Revision, uerr))
	}
	return err
}

// succeed records rel as deployed with description (or fallback) and marks
// every other deployed revision superseded.
func succeed(ctx context.Context, cfg *Configuration, rel *release.Release, description, fallback string) error {
	rel.Status = release.StatusDeployed
	rel.Description = description
	if rel.Description == "" {
		rel.Description = fallback
	}
	rel.LastDeployed = cfg.now()
	if err := cfg.Store.Update(ctx, rel); err != nil {
		return fmt.Errorf("record release %q revision %d deployed: %w", rel.Name, rel.Revision, err)
	}
	return supersede(ctx, cfg, rel.Name, rel.Revision)
}

// supersede marks superseded the deployed revisions of release name other
// than keep.
func supersede(ctx context.Context, cfg *Configuration, name string, keep int) error {
	history, err := cfg.Store.History(ctx, name)
	if err != nil {
		return fmt.Errorf("read history of release %q: %w", name, err)
	}
	for _, s := range history {
		if s.Revision == keep || s.Status != release.StatusDeployed {
			continue
		}
		old, err := cfg.Store.Get(ctx, name, s.Revision)
		if err != nil {
			return fmt.Errorf("read release %q revision %d: %w", name, s.Revision, err)
		}
		old.Status = release.StatusSuperseded
		if err := cfg.Store.Update(ctx, old); err != nil {
			return fmt.Errorf("record release %q revision %d superseded: %w", name, s.Revision, err)
		}
	}
	return nil
}

// pruneHistory deletes old revisions to make room for a new one, keeping
// at most maxHistory with it (0 is DefaultMaxHistory, negative keeps all),
// and the chunk records that writers which stopped half way left behind.
func pruneHistory(ctx context.Context, cfg *Configuration, name string, maxHistory int) error {
	collectGarbage(ctx, cfg, name)
	if maxHistory == 0 {
		maxHistory = DefaultMaxHistory
	}
	if maxHistory < 0 {
		return nil
	}
	// Prune to one less, to make room for the revision about to be written.
	keep := maxHistory - 1
	if keep < 1 {
		keep = 1
	}
	if _, err := release.Prune(ctx, cfg.Store, name, keep); err != nil && !errors.Is(err, release.ErrNotFound) {
		return fmt.Errorf("prune history of release %q: %w", name, err)
	}
	return nil
}

// garbageCollector is a store that may hold chunk records left by a
// writer that stopped half way (release.KubeStore).
type garbageCollector interface {
	GarbageCollect(ctx context.Context, name string) ([]string, error)
}

// collectGarbage deletes the orphan chunk records of release name, when the
// store keeps chunks. The caller holds the release lock. Failing to clean
// up does not fail the operation: the next one tries again.
func collectGarbage(ctx context.Context, cfg *Configuration, name string) {
	gc, ok := cfg.Store.(garbageCollector)
	if !ok {
		return
	}
	deleted, err := gc.GarbageCollect(ctx, name)
	if err != nil {
		cfg.logger().Warn("delete orphan release chunks", "release", name, "error", err)
	}
	if len(deleted) > 0 {
		cfg.logger().Debug("deleted orphan release chunks", "release", name, "chunks", deleted)
	}
}
