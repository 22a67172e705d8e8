package stack

import (
	"encoding/json"
	"fmt"

	"github.com/berth-sh/berth/pkg/release"
)

// Actions of a release in a plan. The values are part of the plan file
// and of berth stack plan -o json.
const (
	// ActionInstall: the release has no deployed revision; it is installed.
	ActionInstall = "install"
	// ActionUpgrade: the release is upgraded to the planned revision.
	ActionUpgrade = "upgrade"
	// ActionUnchanged: nothing would change; apply records nothing.
	ActionUnchanged = "unchanged"
	// ActionPrune: the inventory holds the release, the stack file no
	// longer does; apply --prune uninstalls it.
	ActionPrune = "prune"
	// ActionKeep: like prune, but the release is kept (keep: true when it
	// was last applied); only destroy --force removes it.
	ActionKeep = "keep"
)

// Plan is a reviewed stack change, apiVersion berth.sh/v1alpha1, kind
// StackPlan, written by berth stack plan --out: per environment, what
// each release would become and what it was computed against. berth stack
// apply --plan applies exactly it, or nothing when something moved. It
// holds rendered manifests, Secrets included: treat it as a secret.
type Plan struct {
	APIVersion string `json:"apiVersion" jsonschema:"required" const:"berth.sh/v1alpha1"`
	Kind       string `json:"kind" jsonschema:"required" const:"StackPlan"`
	// Stack is the stack's name.
	Stack string `json:"stack" jsonschema:"required"`
	// Environments are the planned environments, in the order asked.
	Environments []PlannedEnvironment `json:"environments" jsonschema:"required"`
}

// PlannedEnvironment is the plan of one environment.
type PlannedEnvironment struct {
	// Name is the environment ("" for a stack without environments).
	Name string `json:"name"`
	// KubeContext is the context the plan was made against.
	KubeContext string `json:"kubeContext,omitempty"`
	// InventoryVersion is the resourceVersion of the stack's inventory
	// when planned; "" when there was none.
	InventoryVersion string `json:"inventoryVersion,omitempty"`
	// Releases are the planned releases, in the stack's order, pruned
	// ones last.
	Releases []PlannedRelease `json:"releases" jsonschema:"required"`
}

// PlannedRelease is what the plan does to one release.
type PlannedRelease struct {
	Name      string `json:"name" jsonschema:"required"`
	Namespace string `json:"namespace" jsonschema:"required"`
	// Action is ActionInstall, ActionUpgrade, ActionUnchanged,
	// ActionPrune or ActionKeep.
	Action string `json:"action" jsonschema:"required" enum:"install|upgrade|unchanged|prune|keep"`
	// Chart, Version and Digest are the chart resolved.
	Chart   string `json:"chart,omitempty"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest,omitempty"`
	// DeployDigest identifies what would be deployed (see action's
	// stack digests).
	DeployDigest string `json:"deployDigest,omitempty"`
	// BaseRevision is the release's last revision when planned, 0 for
	// none.
	BaseRevision int `json:"baseRevision"`
	// Revision is the revision to record, for install and upgrade.
	Revision json.RawMessage `json:"revision,omitempty"`
	// CRDs are the chart's crds/ files an install applies, as one
	// manifest.
	CRDs string `json:"crds,omitempty"`
	// Objects are the objects to apply (or, for prune, to delete) with the
	// resourceVersion they had.
	Objects []PlannedObject `json:"objects,omitempty"`
	// Prune are the objects of the replaced revisions an upgrade may
	// delete, with their resourceVersion.
	Prune []PlannedObject `json:"prune,omitempty"`
}

// PlannedObject is one object and its resourceVersion when planned; ""
// means it did not exist.
type PlannedObject struct {
	Object          string `json:"object" jsonschema:"required"`
	Group           string `json:"group,omitempty"`
	Version         string `json:"version,omitempty"`
	Kind            string `json:"kind" jsonschema:"required"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name" jsonschema:"required"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// SetRevision stores rel as the planned revision.
func (p *PlannedRelease) SetRevision(rel *release.Release) error {
	raw, err := json.Marshal(rel)
	if err != nil {
		return fmt.Errorf("plan release %s: %w", p.Name, err)
	}
	p.Revision = raw
	return nil
}

// PlannedRevision returns the planned revision, nil when there is none.
func (p *PlannedRelease) PlannedRevision() (*release.Release, error) {
	if len(p.Revision) == 0 {
		return nil, nil
	}
	var rel release.Release
	if err := json.Unmarshal(p.Revision, &rel); err != nil {
		return nil, fmt.Errorf("plan of release %s: revision: %w", p.Name, err)
	}
	return &rel, nil
}

// ReadPlan reads a plan written by WritePlan, checked against its schema.
func ReadPlan(path string) (*Plan, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	root, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := decodeChecked(path, root, "stack-plan-v1alpha1.json", &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// WritePlan writes p to path atomically as JSON, readable by its owner
// only.
func WritePlan(path string, p *Plan) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	return WriteFileAtomic(path, append(data, '\n'), 0o600)
}
