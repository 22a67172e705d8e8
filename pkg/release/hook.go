package release

import "time"

// Hook is a rendered resource annotated with helm.sh/hook: it is not part
// of the release manifest but is created at the given events of the
// release's life cycle, in weight order, and deleted as its policies say.
type Hook struct {
	// Name is the resource's metadata.name.
	Name string `json:"name"`
	// Kind is the resource's kind ("Job", "Pod", ...).
	Kind string `json:"kind"`
	// Path is the template the hook was rendered from
	// ("mychart/templates/job.yaml").
	Path string `json:"path"`
	// Manifest is the rendered YAML of the resource.
	Manifest string `json:"manifest"`
	// Events are when the hook runs (helm.sh/hook).
	Events []HookEvent `json:"events,omitempty"`
	// Weight orders hooks of one event, lowest first
	// (helm.sh/hook-weight).
	Weight int `json:"weight,omitempty"`
	// DeletePolicies say when the hook resource is deleted
	// (helm.sh/hook-delete-policy).
	DeletePolicies []HookDeletePolicy `json:"deletePolicies,omitempty"`
	// LastRun is the outcome of the hook's most recent run.
	LastRun HookExecution `json:"lastRun,omitzero"`
}

// HookEvent is a point of the release life cycle at which hooks run, spelt
// as in the helm.sh/hook annotation.
type HookEvent string

// Hook events, as Helm defines them.
const (
	HookPreInstall   HookEvent = "pre-install"
	HookPostInstall  HookEvent = "post-install"
	HookPreDelete    HookEvent = "pre-delete"
	HookPostDelete   HookEvent = "post-delete"
	HookPreUpgrade   HookEvent = "pre-upgrade"
	HookPostUpgrade  HookEvent = "post-upgrade"
	HookPreRollback  HookEvent = "pre-rollback"
	HookPostRollback HookEvent = "post-rollback"
	HookTest         HookEvent = "test"
)

// HookDeletePolicy says when a hook resource is deleted, spelt as in the
// helm.sh/hook-delete-policy annotation.
type HookDeletePolicy string

// Hook delete policies, as Helm defines them.
const (
	// HookSucceeded deletes the hook after it succeeded.
	HookSucceeded HookDeletePolicy = "hook-succeeded"
	// HookFailed deletes the hook after it failed.
	HookFailed HookDeletePolicy = "hook-failed"
	// HookBeforeHookCreation deletes the previous hook resource before a
	// new one is created (the default when no policy is given).
	HookBeforeHookCreation HookDeletePolicy = "before-hook-creation"
)

// HookPhase is the state of a hook run.
type HookPhase string

// Hook phases.
const (
	HookPhaseUnknown   HookPhase = "Unknown"
	HookPhaseRunning   HookPhase = "Running"
	HookPhaseSucceeded HookPhase = "Succeeded"
	HookPhaseFailed    HookPhase = "Failed"
)

// HookExecution records one run of a hook.
type HookExecution struct {
	StartedAt   time.Time `json:"startedAt,omitzero"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
	Phase       HookPhase `json:"phase,omitempty"`
}
