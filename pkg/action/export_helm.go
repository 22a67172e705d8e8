package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/helmrecord"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// ExportHelmOptions tune ExportHelm.
type ExportHelmOptions struct {
	// Name is the release.
	Name string
	// DryRun checks and reports; nothing is written.
	DryRun bool
	// LockTimeout is how long to wait for berth's lock of the release.
	LockTimeout time.Duration
	// Concurrency bounds the objects handled at once.
	Concurrency int
}

// HelmExport is the outcome of ExportHelm.
type HelmExport struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	DryRun    bool   `json:"dryRun,omitempty"`
	// Revisions are the Helm records written, oldest first.
	Revisions []ExportedRevision `json:"revisions"`
	// Objects are the live objects of the last deployed revision and the
	// field ownership moved back to helm on each.
	Objects []OwnershipChange `json:"objects,omitempty"`
}

// ExportedRevision is one revision written as a Helm record.
type ExportedRevision struct {
	Revision int    `json:"revision"`
	Status   string `json:"status"`
	Record   string `json:"record"`
	// Size is the encoded record's length in bytes (Helm's limit is
	// helmrecord.MaxRecordSize).
	Size int `json:"size"`
}

// ErrHelmRelease means Helm has records of the release already.
var ErrHelmRelease = errors.New("release already has Helm records")

// ExportHelm gives release opts.Name of namespace ns back to Helm: it
// writes every revision as a Helm record that Helm 4 reads (imported
// revisions as Helm wrote them, with what berth changed), moves the fields
// berth owns on the live objects of the last deployed revision to helm's
// Apply entry, replacing berth's ownership annotations by Helm's, and then
// deletes berth's records. A revision too large for one Helm record is
// refused with its size before anything is written; a failure later
// undoes what was done. Under berth's lock.
func ExportHelm(ctx context.Context, cfg *HelmConfig, ns string, opts ExportHelmOptions) (*HelmExport, error) {
	if err := release.ValidateName(opts.Name); err != nil {
		return nil, err
	}
	acfg, helm, err := cfg.namespaced(ns)
	if err != nil {
		return nil, err
	}
	res := &HelmExport{Name: opts.Name, Namespace: ns, DryRun: opts.DryRun, Revisions: []ExportedRevision{}}
	run := func(ctx context.Context) error {
		plan, err := planExport(ctx, acfg, helm, opts.Name, res)
		if err != nil {
			return err
		}
		moves, err := writeExport(ctx, acfg, helm, plan, exportMoveOptions(opts.Name, ns, opts))
		res.Objects = ownershipChanges(moves)
		return err
	}
	if opts.DryRun {
		return res, run(ctx)
	}
	return res, withLock(ctx, acfg, opts.Name, opts.LockTimeout, run)
}

// exportPlan is a release read from berth and encoded for Helm.
type exportPlan struct {
	revs     []*release.Release
	prepared []*helmrecord.Prepared
	objs     []*unstructured.Unstructured
	dryRun   bool
}

// planExport reads berth's revisions and encodes them, refusing what Helm
// cannot take; it writes nothing.
func planExport(ctx context.Context, cfg *Configuration, helm *helmrecord.Store, name string, res *HelmExport) (*exportPlan, error) {
	history, err := cfg.Store.History(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read release %q: %w", name, err)
	}
	if existing, err := helm.History(ctx, name); err == nil || !errors.Is(err, helmrecord.ErrNotFound) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("release %q in namespace %q: %w (%s): remove them, or export under another name",
			name, cfg.Namespace, ErrHelmRelease, existing[0].Object)
	}
	plan := &exportPlan{dryRun: res.DryRun}
	for _, s := range history {
		if s.Status.IsPending() {
			return nil, fmt.Errorf("release %q revision %d is %s: an operation is in progress; export it when it is done", name, s.Revision, s.Status)
		}
		rel, err := cfg.Store.Get(ctx, name, s.Revision)
		if err != nil {
			return nil, fmt.Errorf("read release %q revision %d: %w", name, s.Revision, err)
		}
		h, err := toHelm(rel)
		if err != nil {
			return nil, err
		}
		p, err := helmrecord.Prepare(h)
		if err != nil {
			return nil, fmt.Errorf("export release %q to Helm: %w; nothing was written", name, err)
		}
		plan.revs, plan.prepared = append(plan.revs, rel), append(plan.prepared, p)
		res.Revisions = append(res.Revisions, ExportedRevision{
			Revision: rel.Revision, Status: string(rel.Status), Size: p.Size(),
			Record: helm.Kind() + "/" + cfg.Namespace + "/" + helmrecord.RecordName(name, rel.Revision),
		})
	}
	if deployed := lastDeployedOf(plan.revs); deployed != nil {
		plan.objs, err = parseManifest(fmt.Sprintf("release %q revision %d", name, deployed.Revision), deployed.Manifest)
		if err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// exportMoveOptions move berth's fields to helm and swap the ownership
// annotations.
func exportMoveOptions(name, ns string, opts ExportHelmOptions) kube.MoveOptions {
	return kube.MoveOptions{
		Namespace:         ns,
		From:              []string{kube.FieldManager},
		To:                HelmFieldManager,
		Annotations:       map[string]string{helmAnnotationName: name, helmAnnotationNamespace: ns},
		Labels:            map[string]string{helmLabelManagedBy: "Helm"},
		RemoveAnnotations: []string{kube.AnnotationReleaseName, kube.AnnotationReleaseNamespace},
		DryRun:            opts.DryRun,
		Concurrency:       opts.Concurrency,
	}
}

// writeExport writes Helm's records, moves the field ownership and deletes
// berth's records; on failure it undoes what it did. A dry run only sends
// the ownership patches with server-side dry run.
func writeExport(ctx context.Context, cfg *Configuration, helm *helmrecord.Store, plan *exportPlan,
	moveOpts kube.MoveOptions,
) ([]kube.ObjectMove, error) {
	if plan.dryRun {
		return cfg.Kube.MoveOwnership(ctx, plan.objs, moveOpts)
	}
	var created []*helmrecord.Record
	undoHelm := func(err error) error {
		for _, rec := range created {
			err = errors.Join(err, helm.Delete(undoContext(ctx), rec))
		}
		return err
	}
	for _, p := range plan.prepared {
		rec, err := helm.Create(ctx, p, cfg.now())
		if err != nil {
			return nil, undoHelm(err)
		}
		created = append(created, rec)
	}
	moves, err := cfg.Kube.MoveOwnership(ctx, plan.objs, moveOpts)
	if err != nil {
		return moves, undoHelm(errors.Join(err, cfg.Kube.RestoreOwnership(undoContext(ctx), moves)))
	}
	for i, rel := range plan.revs {
		if err := cfg.Store.Delete(ctx, rel.Name, rel.Revision); err != nil && !errors.Is(err, release.ErrNotFound) {
			err = fmt.Errorf("delete berth's record of release %q revision %d: %w", rel.Name, rel.Revision, err)
			for _, d := range plan.revs[:i] {
				d.ResourceVersion = ""
				err = errors.Join(err, cfg.Store.Create(undoContext(ctx), d))
			}
			return moves, undoHelm(errors.Join(err, cfg.Kube.RestoreOwnership(undoContext(ctx), moves)))
		}
	}
	return moves, nil
}
