package kube

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// Action says what Apply, Prune or Delete did to one object.
type Action string

// The actions of a change set entry.
const (
	// ActionCreated means the object did not exist and was created.
	ActionCreated Action = "created"
	// ActionConfigured means the object existed and apply changed it.
	ActionConfigured Action = "configured"
	// ActionUnchanged means the object existed and apply left it as it was.
	ActionUnchanged Action = "unchanged"
	// ActionDeleted means the object was deleted.
	ActionDeleted Action = "deleted"
	// ActionSkipped means the object was left alone; the entry's Reason says why.
	ActionSkipped Action = "skipped"
	// ActionReplaced means the apply changed immutable fields: the object
	// was deleted and created again (ApplyOptions.ForceReplace); the
	// entry's Reason names the fields.
	ActionReplaced Action = "replaced"
)

// ChangeSetEntry is what happened to one object.
type ChangeSetEntry struct {
	// Ref is the object, namespace defaulted.
	Ref ObjectRef `json:"ref"`
	// Subject is Ref.String(): Kind/namespace/name.
	Subject string `json:"subject"`
	// Action is what was done.
	Action Action `json:"action"`
	// Reason explains skipped and replaced entries; empty otherwise.
	Reason string `json:"reason,omitempty"`
	// Generation and ResourceVersion are the object's as the apply
	// returned them (zero for other actions), so that Wait counts the
	// object only once its status reflects this apply.
	Generation      int64  `json:"-"`
	ResourceVersion string `json:"-"`
	// Applied is the digest of what the apply left on the object, for
	// ApplyOptions.Applied next time; "" for other actions and dry runs.
	Applied string `json:"-"`
	// Wait is how Wait awaits the object: its AnnotationWait as applied.
	Wait WaitMode `json:"-"`
	// UID is the UID of the object deleted, for WaitGone; "" for
	// other actions.
	UID types.UID `json:"-"`
}

// String returns "Subject action", with the reason of skipped entries.
func (e ChangeSetEntry) String() string {
	s := e.Subject + " " + string(e.Action)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// ChangeSet lists what happened to each object, in the order the objects
// were handled: stage by stage, then as given.
type ChangeSet struct {
	Entries []ChangeSetEntry `json:"entries"`
}

// Add appends entries to the change set.
func (c *ChangeSet) Add(entries ...ChangeSetEntry) {
	c.Entries = append(c.Entries, entries...)
}

// Refs returns the refs of the entries whose action is one of actions, or of
// all entries when actions is empty.
func (c *ChangeSet) Refs(actions ...Action) []ObjectRef {
	var refs []ObjectRef
	for _, e := range c.Entries {
		if len(actions) == 0 || slices.Contains(actions, e.Action) {
			refs = append(refs, e.Ref)
		}
	}
	return refs
}

// Changed reports whether any entry created, configured, deleted or
// replaced an object.
func (c *ChangeSet) Changed() bool {
	for _, e := range c.Entries {
		switch e.Action {
		case ActionCreated, ActionConfigured, ActionDeleted, ActionReplaced:
			return true
		}
	}
	return false
}

// String returns one line per entry.
func (c *ChangeSet) String() string {
	var b strings.Builder
	for _, e := range c.Entries {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func newEntry(ref ObjectRef, action Action, reason string) ChangeSetEntry {
	return ChangeSetEntry{Ref: ref, Subject: ref.String(), Action: action, Reason: reason}
}

// AppliedDigests returns the Applied digest of every entry that has one,
// keyed by AppliedKey: what to record with the revision and give back as
// ApplyOptions.Applied.
func (c *ChangeSet) AppliedDigests() map[string]string {
	out := map[string]string{}
	for _, e := range c.Entries {
		if e.Applied != "" {
			out[AppliedKey(e.Ref)] = e.Applied
		}
	}
	return out
}
