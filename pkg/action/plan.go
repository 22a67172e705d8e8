package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// PlanAPIVersion is the version of the plan file format.
const PlanAPIVersion = "berth.sh/plan/v1"

// ErrPlanStale means the release or its objects changed since the plan
// was made; matched by PlanStaleError.
var ErrPlanStale = errors.New("plan is out of date")

// Plan is a reviewed upgrade: the revision berth diff upgrade computed,
// with the resourceVersion of every object it was computed against.
// berth upgrade --plan applies exactly this, or refuses when anything
// moved. A plan holds the rendered manifest, Secrets included: treat the
// file as a secret.
type Plan struct {
	// APIVersion is PlanAPIVersion.
	APIVersion string `json:"apiVersion"`
	// Release and Namespace name the release.
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	// BaseRevision is the last revision of the release when the plan was
	// made; the plan records BaseRevision+1.
	BaseRevision int `json:"baseRevision"`
	// Revision is the revision to record: chart metadata, values,
	// manifest (the objects to apply), hooks and notes.
	Revision *release.Release `json:"revision"`
	// Objects are the objects to apply, with their live resourceVersion.
	Objects []PlanObject `json:"objects"`
	// Prune are the objects of the replaced revisions that prune may
	// delete, with their live resourceVersion.
	Prune []PlanObject `json:"prune,omitempty"`

	// Digest is "sha256:HEX" of the file ReadPlan read the plan from (what
	// a reviewer approves: sha256sum of the file); "" for a plan not read
	// from a file. The applied revision records it.
	Digest string `json:"-"`
}

// PlanObject is one object of a plan and the resourceVersion it had when
// the plan was made; an empty ResourceVersion means it did not exist.
type PlanObject struct {
	Object          string         `json:"object"`
	Ref             kube.ObjectRef `json:"ref"`
	ResourceVersion string         `json:"resourceVersion,omitempty"`
}

// NewPlan turns the result of DiffUpgrade into a plan.
func NewPlan(ctx context.Context, cfg *Configuration, res *DiffResult) (*Plan, error) {
	if res.BaseRevision == 0 {
		return nil, errors.New("make a plan: plans are for upgrades of an existing release, not installs")
	}
	p := &Plan{
		APIVersion: PlanAPIVersion, Release: res.Release.Name, Namespace: res.Release.Namespace,
		BaseRevision: res.BaseRevision, Revision: res.Release,
	}
	for _, d := range res.Objects {
		if d.Action != kube.DiffDelete {
			p.Objects = append(p.Objects, PlanObject{Object: d.Ref.String(), Ref: d.Ref, ResourceVersion: d.ResourceVersion})
		}
	}
	versions, err := cfg.Kube.ResourceVersions(ctx, res.prune, cfg.Namespace)
	if err != nil {
		return nil, fmt.Errorf("make a plan: %w", err)
	}
	applied := map[string]bool{}
	for _, o := range p.Objects {
		applied[o.Object] = true
	}
	for _, v := range versions {
		if s := v.Ref.String(); !applied[s] {
			applied[s] = true
			p.Prune = append(p.Prune, PlanObject{Object: s, Ref: v.Ref, ResourceVersion: v.ResourceVersion})
		}
	}
	return p, nil
}

// WritePlan writes p to path atomically: to a temporary file in the same
// directory, renamed over path, so a reader never sees half a plan. The
// file is readable by its owner only.
func WritePlan(path string, p *Plan) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the write error is the one to report
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// ReadPlan reads a plan written by WritePlan.
func ReadPlan(path string) (*Plan, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the user names the plan to apply
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	switch {
	case p.APIVersion != PlanAPIVersion:
		return nil, fmt.Errorf("read plan %s: apiVersion %q, want %q", path, p.APIVersion, PlanAPIVersion)
	case p.Revision == nil || p.Release == "":
		return nil, fmt.Errorf("read plan %s: no release or revision", path)
	}
	p.Digest = fileDigest(data)
	return &p, nil
}

// PlanStaleError lists what moved since a plan was made. It matches
// ErrPlanStale.
type PlanStaleError struct {
	// Moved says what changed, one line per object or revision.
	Moved []string
}

// Error lists what moved.
func (e *PlanStaleError) Error() string {
	return "plan is out of date, diff again:\n  " + strings.Join(e.Moved, "\n  ")
}

// Is reports whether target is ErrPlanStale.
func (e *PlanStaleError) Is(target error) bool { return target == ErrPlanStale }
