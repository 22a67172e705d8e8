package action

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/kube"
)

// HelmImport is the outcome of importing one release.
type HelmImport struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	DryRun    bool   `json:"dryRun,omitempty"`
	// Revisions are the revisions imported, oldest first.
	Revisions []ImportedRevision `json:"revisions"`
	// Objects are the live objects of the last deployed revision and the
	// field ownership moved on each.
	Objects []OwnershipChange `json:"objects,omitempty"`
	// Rewrites are the objects of stored manifests whose API versions the
	// cluster no longer serves.
	Rewrites []APIRewrite `json:"rewrites,omitempty"`
	// Changes are the fields a server-side dry run of the last deployed
	// revision under berth's field manager would still change, per object;
	// empty is the proof that the import changed nothing.
	Changes []ProofChange `json:"changes,omitempty"`
	// Error is why the release was not imported; nothing was written then.
	Error string `json:"error,omitempty"`
}

// ImportedRevision is one revision as imported.
type ImportedRevision struct {
	Revision int    `json:"revision"`
	Status   string `json:"status"`
	Chart    string `json:"chart"`
	// Record is Helm's record it came from.
	Record string `json:"record"`
	// Note says what import changed about it (--recover-pending).
	Note string `json:"note,omitempty"`
}

// OwnershipChange is the field ownership moved on one object.
type OwnershipChange struct {
	Object  string            `json:"object"`
	Missing bool              `json:"missing,omitempty"`
	Moved   []kube.MovedEntry `json:"moved,omitempty"`
}

// ProofChange is one object that the dry run would change.
type ProofChange struct {
	Object  string            `json:"object"`
	Missing bool              `json:"missing,omitempty"`
	Fields  []kube.FieldDrift `json:"fields,omitempty"`
}

// prove runs the dry run of the last deployed revision under berth's
// manager and reports what it would change.
func prove(ctx context.Context, cfg *Configuration, name string, objs []*unstructured.Unstructured,
	moves []kube.ObjectMove, opts ImportHelmOptions, res *HelmImport,
) error {
	if len(objs) == 0 {
		return nil
	}
	applyOpts := kube.ApplyOptions{Namespace: cfg.Namespace, Owner: cfg.owner(name), Concurrency: opts.Concurrency}
	if opts.DryRun {
		// The ownership annotations the move adds are not on the objects
		// yet: leave them out rather than report them.
		applyOpts.Owner = kube.Owner{}
	}
	proofs, err := cfg.Kube.ProveApply(ctx, objs, applyOpts, moves)
	if err != nil {
		return fmt.Errorf("prove the import of release %q changed nothing: %w", name, err)
	}
	for _, p := range proofs {
		if !p.Unchanged() {
			res.Changes = append(res.Changes, ProofChange{Object: p.Ref.String(), Missing: p.Missing, Fields: p.Fields})
		}
	}
	return nil
}

func ownershipChanges(moves []kube.ObjectMove) []OwnershipChange {
	out := make([]OwnershipChange, 0, len(moves))
	for _, m := range moves {
		if m.Ref.Name == "" {
			continue
		}
		out = append(out, OwnershipChange{Object: m.Ref.String(), Missing: m.Missing, Moved: m.Moved})
	}
	return out
}
