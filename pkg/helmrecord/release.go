package helmrecord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// Release is one revision of a Helm release as Helm stores it (Helm's
// pkg/release/v1 Release). Fields berth reads are typed; every other field
// of the JSON is kept as it was and written back by MarshalJSON.
type Release struct {
	// Name is the release name.
	Name string
	// Namespace is the release namespace.
	Namespace string
	// Version is the revision, from 1.
	Version int
	// Info is the revision's status, timestamps, description and notes.
	Info Info
	// Chart is Helm's chart JSON, kept whole: metadata, lock, templates,
	// values, schema and files.
	Chart json.RawMessage
	// Config are the values the user supplied, as JSON.
	Config json.RawMessage
	// Manifest is the rendered manifest of the release's objects.
	Manifest string
	// Hooks are the rendered hooks.
	Hooks []*Hook
	// ApplyMethod is how Helm 4 applied the revision: "ssa" (server-side
	// apply) or "csa" (client-side, and "" for Helm 3 and older records).
	ApplyMethod string
	// Labels are the record's labels other than Helm's own (helm install
	// --labels); Helm keeps them on the record, not in the JSON.
	Labels map[string]string

	extra fields
}

// Info is Helm's release info.
type Info struct {
	FirstDeployed time.Time
	LastDeployed  time.Time
	Deleted       time.Time
	Description   string
	Status        string
	// RollbackRevision is the revision a rollback went back to; 0 otherwise.
	RollbackRevision int
	Notes            string

	extra fields
}

// Hook is one of Helm's rendered hooks.
type Hook struct {
	Name           string
	Kind           string
	Path           string
	Manifest       string
	Events         []string
	LastRun        HookExecution
	Weight         int
	DeletePolicies []string

	extra fields
}

// HookExecution is the last run of a hook.
type HookExecution struct {
	StartedAt   time.Time
	CompletedAt time.Time
	Phase       string

	extra fields
}

// Helm's statuses of a revision.
const (
	StatusUnknown         = "unknown"
	StatusDeployed        = "deployed"
	StatusUninstalled     = "uninstalled"
	StatusSuperseded      = "superseded"
	StatusFailed          = "failed"
	StatusUninstalling    = "uninstalling"
	StatusPendingInstall  = "pending-install"
	StatusPendingUpgrade  = "pending-upgrade"
	StatusPendingRollback = "pending-rollback"
)

// Apply methods Helm 4 records.
const (
	ApplyMethodServerSide = "ssa"
	ApplyMethodClientSide = "csa"
)

// IsPending reports whether status is one of Helm's pending-* statuses: an
// operation in progress, or one that was interrupted.
func IsPending(status string) bool {
	switch status {
	case StatusPendingInstall, StatusPendingUpgrade, StatusPendingRollback:
		return true
	}
	return false
}

// fields are the members of a JSON object, by key, as they were written.
type fields map[string]json.RawMessage

// decodeObject reads a JSON object into its fields.
func decodeObject(data []byte) (fields, error) {
	var f fields
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("want a JSON object, got %.20s", bytes.TrimSpace(data))
	}
	return f, nil
}

// take decodes field key into v and removes it; absent and null leave v.
func (f fields) take(key string, v any) error {
	raw, ok := f[key]
	if !ok {
		return nil
	}
	delete(f, key)
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("field %q: %w", key, err)
	}
	return nil
}

// takeRaw removes field key and returns it as written.
func (f fields) takeRaw(key string) json.RawMessage {
	raw := f[key]
	delete(f, key)
	return raw
}

// takeTime decodes a time field; "" is the zero time, as Helm 4 reads it.
func (f fields) takeTime(key string, t *time.Time) error {
	var s string
	if raw, ok := f[key]; ok && json.Unmarshal(raw, &s) == nil && s == "" {
		delete(f, key)
		return nil
	}
	return f.take(key, t)
}

// writer builds a JSON object from the kept fields and the known ones.
type writer struct {
	out fields
	err error
}

func newWriter(extra fields) *writer {
	out := make(fields, len(extra)+12)
	maps.Copy(out, extra)
	return &writer{out: out}
}

// put sets key to v unless omit.
func (w *writer) put(key string, v any, omit bool) {
	if omit || w.err != nil {
		return
	}
	raw, err := json.Marshal(v)
	if err != nil {
		w.err = fmt.Errorf("field %q: %w", key, err)
		return
	}
	w.out[key] = raw
}

// putRaw sets key to raw unless it is empty.
func (w *writer) putRaw(key string, raw json.RawMessage) {
	if len(raw) > 0 {
		w.out[key] = raw
	}
}

func (w *writer) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return json.Marshal(w.out)
}

// UnmarshalJSON reads Helm's release JSON, keeping the fields it does not
// know.
func (r *Release) UnmarshalJSON(data []byte) error {
	f, err := decodeObject(data)
	if err != nil {
		return err
	}
	var info json.RawMessage
	errs := []error{
		f.take("name", &r.Name), f.take("namespace", &r.Namespace), f.take("version", &r.Version),
		f.take("info", &info), f.take("manifest", &r.Manifest), f.take("hooks", &r.Hooks),
		f.take("apply_method", &r.ApplyMethod),
	}
	r.Chart, r.Config = f.takeRaw("chart"), f.takeRaw("config")
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if len(info) > 0 && string(info) != "null" {
		if err := json.Unmarshal(info, &r.Info); err != nil {
			return fmt.Errorf("field \"info\": %w", err)
		}
	}
	r.extra = f
	return nil
}

// MarshalJSON writes the release as Helm does, with the fields it kept.
func (r Release) MarshalJSON() ([]byte, error) {
	w := newWriter(r.extra)
	w.put("name", r.Name, r.Name == "")
	w.put("info", r.Info, false)
	w.putRaw("chart", r.Chart)
	w.putRaw("config", r.Config)
	w.put("manifest", r.Manifest, r.Manifest == "")
	w.put("hooks", r.Hooks, len(r.Hooks) == 0)
	w.put("version", r.Version, r.Version == 0)
	w.put("namespace", r.Namespace, r.Namespace == "")
	w.put("apply_method", r.ApplyMethod, r.ApplyMethod == "")
	return w.bytes()
}

// UnmarshalJSON reads Helm's release info.
func (i *Info) UnmarshalJSON(data []byte) error {
	f, err := decodeObject(data)
	if err != nil {
		return err
	}
	for _, err := range []error{
		f.takeTime("first_deployed", &i.FirstDeployed), f.takeTime("last_deployed", &i.LastDeployed),
		f.takeTime("deleted", &i.Deleted), f.take("description", &i.Description),
		f.take("status", &i.Status), f.take("rollback_revision", &i.RollbackRevision),
		f.take("notes", &i.Notes),
	} {
		if err != nil {
			return err
		}
	}
	i.extra = f
	return nil
}

// MarshalJSON writes the info as Helm 4 does: zero times left out.
func (i Info) MarshalJSON() ([]byte, error) {
	w := newWriter(i.extra)
	w.put("first_deployed", i.FirstDeployed, i.FirstDeployed.IsZero())
	w.put("last_deployed", i.LastDeployed, i.LastDeployed.IsZero())
	w.put("deleted", i.Deleted, i.Deleted.IsZero())
	w.put("description", i.Description, i.Description == "")
	w.put("status", i.Status, i.Status == "")
	w.put("rollback_revision", i.RollbackRevision, i.RollbackRevision == 0)
	w.put("notes", i.Notes, i.Notes == "")
	return w.bytes()
}

// UnmarshalJSON reads one of Helm's hooks.
func (h *Hook) UnmarshalJSON(data []byte) error {
	f, err := decodeObject(data)
	if err != nil {
		return err
	}
	for _, err := range []error{
		f.take("name", &h.Name), f.take("kind", &h.Kind), f.take("path", &h.Path),
		f.take("manifest", &h.Manifest), f.take("events", &h.Events), f.take("last_run", &h.LastRun),
		f.take("weight", &h.Weight), f.take("delete_policies", &h.DeletePolicies),
	} {
		if err != nil {
			return err
		}
	}
	h.extra = f
	return nil
}

// MarshalJSON writes the hook as Helm does.
func (h Hook) MarshalJSON() ([]byte, error) {
	w := newWriter(h.extra)
	w.put("name", h.Name, h.Name == "")
	w.put("kind", h.Kind, h.Kind == "")
	w.put("path", h.Path, h.Path == "")
	w.put("manifest", h.Manifest, h.Manifest == "")
	w.put("events", h.Events, len(h.Events) == 0)
	w.put("last_run", h.LastRun, false)
	w.put("weight", h.Weight, h.Weight == 0)
	w.put("delete_policies", h.DeletePolicies, len(h.DeletePolicies) == 0)
	return w.bytes()
}

// UnmarshalJSON reads a hook's last run.
func (e *HookExecution) UnmarshalJSON(data []byte) error {
	f, err := decodeObject(data)
	if err != nil {
		return err
	}
	for _, err := range []error{
		f.takeTime("started_at", &e.StartedAt), f.takeTime("completed_at", &e.CompletedAt),
		f.take("phase", &e.Phase),
	} {
		if err != nil {
			return err
		}
	}
	e.extra = f
	return nil
}

// MarshalJSON writes a hook's last run as Helm 4 does.
func (e HookExecution) MarshalJSON() ([]byte, error) {
	w := newWriter(e.extra)
	w.put("started_at", e.StartedAt, e.StartedAt.IsZero())
	w.put("completed_at", e.CompletedAt, e.CompletedAt.IsZero())
	w.put("phase", e.Phase, false)
	return w.bytes()
}
