package action

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// DefaultWaitTimeout is how long install, upgrade and rollback wait for
// readiness when the options do not say (--timeout).
const DefaultWaitTimeout = 5 * time.Minute

// awaitReady reports the deletions of cs (the applies were reported as
// they happened, see emitApplied) and, with s.Wait, waits until the
// objects are ready, reporting each status change. The error, a
// *kube.WaitError at the timeout, lists the objects not ready.
func awaitReady(ctx context.Context, cfg *Configuration, cs *kube.ChangeSet, s ApplySettings) error {
	if cs == nil {
		return nil
	}
	for _, e := range cs.Entries {
		if e.Action == kube.ActionDeleted {
			cfg.emitApplied(e)
		}
	}
	if !s.Wait || s.DryRun != DryRunNone {
		return nil
	}
	err := cfg.Kube.Wait(ctx, cs.Entries, kube.WaitOptions{
		Timeout:       s.waitTimeout(),
		WaitForJobs:   s.WaitForJobs,
		WaitForStatus: s.WaitForStatus,
		StatusGrace:   s.StatusGrace,
		OnStatus: func(st kube.ObjectStatus) {
			cfg.emit(Event{Type: EventStatus, Object: st.Ref.String(), Status: string(st.Status), Message: st.Message})
		},
	})
	if err != nil {
		return fmt.Errorf("wait for readiness: %w", err)
	}
	return nil
}

// emitApplied reports what was done to one object.
func (c *Configuration) emitApplied(e kube.ChangeSetEntry) {
	c.emit(Event{Type: EventApplied, Object: e.Subject, Action: string(e.Action), Message: e.Reason})
}

// waitTimeout is s.Timeout, or DefaultWaitTimeout when unset.
func (s ApplySettings) waitTimeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultWaitTimeout
}

// emitDone reports the end of an operation: the revision's status and
// description, or failed with err.
func (c *Configuration) emitDone(rel *release.Release, err error) {
	e := Event{Type: EventDone}
	switch {
	case err != nil:
		e.Status, e.Message = string(release.StatusFailed), err.Error()
	case rel != nil:
		e.Status, e.Message = string(rel.Status), rel.Description
	}
	c.emit(e)
}
