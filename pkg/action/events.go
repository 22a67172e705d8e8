package action

import "time"

// EventType names what an Event reports. The values are part of berth's
// -o json progress output: one JSON object per line, documented in
// docs/output.md.
type EventType string

// Event types, in the order an operation usually emits them.
const (
	// EventApplied: an object was applied (Action says created, configured
	// or unchanged) or deleted.
	EventApplied EventType = "applied"
	// EventHookStarted: a hook object was created and is being awaited.
	EventHookStarted EventType = "hook-started"
	// EventHookFinished: a hook ended; Status is succeeded or failed.
	EventHookFinished EventType = "hook-finished"
	// EventStatus: an awaited object's readiness status changed.
	EventStatus EventType = "status"
	// EventDone: the operation ended; Status is its outcome.
	EventDone EventType = "done"
)

// Event is one step of an operation in progress, for the user to watch.
// Actions never print: they hand events to Configuration.Progress, and the
// CLI draws them (a live table on a terminal, lines, or JSON).
type Event struct {
	// Type says what happened.
	Type EventType `json:"type"`
	// Time is when it happened.
	Time time.Time `json:"time"`
	// Object is the object concerned, as Kind/namespace/name (Kind/name
	// for cluster-scoped objects); empty for EventDone.
	Object string `json:"object,omitempty"`
	// Action is what was done to the object for EventApplied.
	Action string `json:"action,omitempty"`
	// Status is the object's status (kstatus: InProgress, Current, Failed,
	// Terminating, NotFound, Unknown), a hook's outcome or the operation's.
	Status string `json:"status,omitempty"`
	// Message explains Status, e.g. "1/3 replicas available".
	Message string `json:"message,omitempty"`
	// Hook is the hook phase (pre-install, post-upgrade, test, ...) of
	// hook events.
	Hook string `json:"hook,omitempty"`
}

// emit hands e to the configuration's Progress, stamped with the time,
// if there is one.
func (c *Configuration) emit(e Event) {
	if c.Progress == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = c.now()
	}
	c.Progress(e)
}
