package action

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/helmrecord"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// Helm's release metadata on the objects it manages. Import leaves them
// on the objects, owned by no field manager so that berth's applies keep
// them; export gives them back to helm.
const (
	helmAnnotationName      = "meta.helm.sh/release-name"
	helmAnnotationNamespace = "meta.helm.sh/release-namespace"
	helmLabelManagedBy      = "app.kubernetes.io/managed-by"
	// HelmFieldManager is the field manager Helm 3 and Helm 4 use, for
	// server-side apply (Apply entries) and client-side apply (Update).
	HelmFieldManager = "helm"
)

// HelmConfig is what ImportHelm and ExportHelm need: they work on
// releases of any namespace, each with its own records and lock.
type HelmConfig struct {
	// Kube moves field ownership and runs the dry-run proof.
	Kube *kube.Client
	// Clients read and write the records of both tools.
	Clients release.Clients
	// Storage is berth's release storage driver ("" for Secrets).
	Storage string
	// HelmStorage is Helm's driver: helmrecord.DriverSecret ("") or
	// helmrecord.DriverConfigMap.
	HelmStorage string
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// namespaced returns the action configuration and Helm's store of one
// namespace.
func (c *HelmConfig) namespaced(ns string) (*Configuration, *helmrecord.Store, error) {
	store, err := release.New(c.Storage, c.Clients, ns)
	if err != nil {
		return nil, nil, err
	}
	helm, err := helmrecord.New(c.Clients.Kube, c.HelmStorage, ns)
	if err != nil {
		return nil, nil, err
	}
	return &Configuration{
		Namespace: ns, Kube: c.Kube, Store: store, Locker: release.NewLocker(c.Clients.Kube, ns),
		Logger: c.Logger, Now: c.Now,
	}, helm, nil
}

// ImportHelmOptions tune ImportHelm.
type ImportHelmOptions struct {
	// Namespace is where the releases are; "" with AllNamespaces.
	Namespace string
	// AllNamespaces takes the releases of every namespace (with All).
	AllNamespaces bool
	// Names are the releases to import; All takes every one.
	Names []string
	All   bool
	// DryRun reads, checks and reports, and writes nothing.
	DryRun bool
	// FromManagers are field managers whose fields move to berth besides
	// helm's.
	FromManagers []string
	// RecoverPending imports a release whose last revision is pending-*,
	// recording that revision failed.
	RecoverPending bool
	// LockTimeout is how long to wait for berth's lock of a release.
	LockTimeout time.Duration
	// Concurrency bounds the releases imported at once and the objects of
	// each moved at once; 0 is kube.DefaultConcurrency.
	Concurrency int
}

// ErrPendingHelmRelease means the last revision of a Helm release is
// pending: an operation is in progress or was interrupted.
var ErrPendingHelmRelease = errors.New("helm release has a pending revision")

// ErrBerthRelease means berth has records of the release already.
var ErrBerthRelease = errors.New("release already has berth records")

// ImportHelm converts Helm releases into berth releases: every revision
// becomes a berth revision with the same number, status, chart metadata,
// values, manifest, hooks, notes, timestamps and description, recording
// where it came from. The fields Helm's field managers own on the live
// objects of the last deployed revision move to berth's Apply entry
// (kube.MoveOwnership) and berth's ownership annotations are added; then
// Helm's records are deleted. No object is applied. Each release is
// imported under berth's lock, all or nothing: a failure undoes what was
// done. A server-side dry run then proves that berth's next apply of the
// revision changes nothing, or reports what it would change.
//
// The result has one entry per release, with its error if it failed; the
// returned error joins them.
func ImportHelm(ctx context.Context, cfg *HelmConfig, opts ImportHelmOptions) ([]*HelmImport, error) {
	refs, err := importTargets(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	results := make([]*HelmImport, len(refs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency(opts.Concurrency))
	for i, ref := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = importOne(ctx, cfg, ref, opts)
		}()
	}
	wg.Wait()
	var errs []error
	for _, r := range results {
		if r.Error != "" {
			errs = append(errs, fmt.Errorf("import release %q in namespace %q: %s", r.Name, r.Namespace, r.Error))
		}
	}
	return results, errors.Join(errs...)
}

func concurrency(n int) int {
	if n > 0 {
		return n
	}
	return kube.DefaultConcurrency
}

// importTargets returns the releases opts select.
func importTargets(ctx context.Context, cfg *HelmConfig, opts ImportHelmOptions) ([]helmrecord.ReleaseRef, error) {
	if !opts.All {
		refs := make([]helmrecord.ReleaseRef, 0, len(opts.Names))
		for _, n := range opts.Names {
			if err := release.ValidateName(n); err != nil {
				return nil, err
			}
			refs = append(refs, helmrecord.ReleaseRef{Namespace: opts.Namespace, Name: n})
		}
		return refs, nil
	}
	ns := opts.Namespace
	if opts.AllNamespaces {
		ns = ""
	}
	store, err := helmrecord.New(cfg.Clients.Kube, cfg.HelmStorage, ns)
	if err != nil {
		return nil, err
	}
	return store.Releases(ctx)
}

// importOne imports one release and reports how it went.
func importOne(ctx context.Context, cfg *HelmConfig, ref helmrecord.ReleaseRef, opts ImportHelmOptions) *HelmImport {
	res := &HelmImport{Name: ref.Name, Namespace: ref.Namespace, DryRun: opts.DryRun, Revisions: []ImportedRevision{}}
	if err := importRelease(ctx, cfg, ref, opts, res); err != nil {
		res.Error = err.Error()
	}
	return res
}

// importPlan is a release read from Helm and converted, ready to write.
type importPlan struct {
	records []*helmrecord.Record
	revs    []*release.Release
	objs    []*unstructured.Unstructured // of the last deployed revision
}

func importRelease(ctx context.Context, cfg *HelmConfig, ref helmrecord.ReleaseRef, opts ImportHelmOptions, res *HelmImport) error {
	acfg, helm, err := cfg.namespaced(ref.Namespace)
	if err != nil {
		return err
	}
	plan, err := planImport(ctx, acfg, helm, ref.Name, opts, res)
	if err != nil {
		return err
	}
	moveOpts := importMoveOptions(ref, opts)
	if opts.DryRun {
		moves, err := acfg.Kube.MoveOwnership(ctx, plan.objs, moveOpts)
		res.Objects = ownershipChanges(moves)
		if err != nil {
			return err
		}
		return prove(ctx, acfg, ref.Name, plan.objs, moves, opts, res)
	}
	var moves []kube.ObjectMove
	err = withLock(ctx, acfg, ref.Name, opts.LockTimeout, func(ctx context.Context) error {
		var err error
		moves, err = writeImport(ctx, acfg, helm, plan, moveOpts)
		return err
	})
	res.Objects = ownershipChanges(moves)
	if err != nil {
		return err
	}
	return prove(ctx, acfg, ref.Name, plan.objs, moves, opts, res)
}

// planImport reads and converts the release's Helm records and checks it
// can be imported; it writes nothing.
func planImport(ctx context.Context, cfg *Configuration, helm *helmrecord.Store, name string,
	opts ImportHelmOptions, res *HelmImport,
) (*importPlan, error) {
	records, err := helm.History(ctx, name)
	if errors.Is(err, helmrecord.ErrNotFound) {
		return nil, fmt.Errorf("no Helm release %q in namespace %q (looked in %ss labelled owner=helm; use --helm-storage configmap for Helm's ConfigMap driver): %w",
			name, cfg.Namespace, helm.Kind(), err)
	}
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Store.History(ctx, name); err == nil {
		return nil, fmt.Errorf("release %q in namespace %q: %w; it was imported already, or berth installed it: use one of the two names", name, cfg.Namespace, ErrBerthRelease)
	} else if !errors.Is(err, release.ErrNotFound) {
		return nil, fmt.Errorf("read berth's history of release %q: %w", name, err)
	}
	last := records[len(records)-1].Release
	if helmrecord.IsPending(last.Info.Status) && !opts.RecoverPending {
		return nil, fmt.Errorf("%s: revision %d is %s (%q): a Helm operation is in progress or was interrupted: %w; "+
			"wait for it to finish, or, if it was interrupted, import with --recover-pending to record it failed",
			records[len(records)-1].Object, last.Version, last.Info.Status, last.Info.Description, ErrPendingHelmRelease)
	}
	plan := &importPlan{records: records}
	if plan.revs, err = convertRevisions(cfg, records, res); err != nil {
		return nil, err
	}
	deployed := lastDeployedOf(plan.revs)
	if deployed == nil {
		return plan, nil
	}
	plan.objs, err = parseManifest(fmt.Sprintf("release %q revision %d", name, deployed.Revision), deployed.Manifest)
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// convertRevisions converts Helm's revisions into berth's, recording each
// in res; the last one, when pending (and planImport let it through), is
// recorded failed.
func convertRevisions(cfg *Configuration, records []*helmrecord.Record, res *HelmImport) ([]*release.Release, error) {
	last := records[len(records)-1].Release.Version
	revs := make([]*release.Release, 0, len(records))
	for _, rec := range records {
		rel, err := fromHelm(rec, cfg.now())
		if err != nil {
			return nil, err
		}
		rev := ImportedRevision{Revision: rel.Revision, Record: rec.Object, Chart: rel.Summary().Chart()}
		if rel.Revision == last && rel.Status.IsPending() {
			rev.Note = fmt.Sprintf("was %s; recorded failed (--recover-pending)", rel.Status)
			rel.Status = release.StatusFailed
			rel.Description = strings.TrimSpace(rel.Description + " (interrupted; marked failed by berth import)")
		}
		if rel.Manifest, res.Rewrites, err = rewriteManifest(cfg, rel, res.Rewrites); err != nil {
			return nil, err
		}
		rev.Status = string(rel.Status)
		revs = append(revs, rel)
		res.Revisions = append(res.Revisions, rev)
	}
	return revs, nil
}

// rewriteManifest rewrites rel's manifest to API versions the cluster
// serves, adding what it rewrote to rewrites.
func rewriteManifest(cfg *Configuration, rel *release.Release, rewrites []APIRewrite) (string, []APIRewrite, error) {
	text, rw, err := rewriteAPIs(cfg.Kube.RESTMapper(), rel.Revision, rel.Manifest)
	if err != nil {
		return "", nil, fmt.Errorf("release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	return text, append(rewrites, rw...), nil
}

// lastDeployedOf returns the highest deployed revision of revs, nil when
// none is.
func lastDeployedOf(revs []*release.Release) *release.Release {
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].Status == release.StatusDeployed {
			return revs[i]
		}
	}
	return nil
}

// importMoveOptions moves helm's fields (and --from-manager's) to berth.
func importMoveOptions(ref helmrecord.ReleaseRef, opts ImportHelmOptions) kube.MoveOptions {
	return kube.MoveOptions{
		Namespace: ref.Namespace,
		From:      append([]string{HelmFieldManager}, opts.FromManagers...),
		To:        kube.FieldManager,
		Annotations: map[string]string{
			kube.AnnotationReleaseName: ref.Name, kube.AnnotationReleaseNamespace: ref.Namespace,
		},
		UnownedAnnotations: []string{helmAnnotationName, helmAnnotationNamespace},
		UnownedLabels:      []string{helmLabelManagedBy},
		DryRun:             opts.DryRun,
		Concurrency:        opts.Concurrency,
	}
}

// writeImport writes berth's records, moves the field ownership and
// deletes Helm's records; on failure it undoes what it did.
func writeImport(ctx context.Context, cfg *Configuration, helm *helmrecord.Store, plan *importPlan,
	moveOpts kube.MoveOptions,
) ([]kube.ObjectMove, error) {
	var created []*release.Release
	undoRecords := func(err error) error {
		return errors.Join(err, deleteRevisions(ctx, cfg, created))
	}
	for _, rel := range plan.revs {
		if err := cfg.Store.Create(ctx, rel); err != nil {
			return nil, undoRecords(fmt.Errorf("record release %q revision %d: %w", rel.Name, rel.Revision, err))
		}
		created = append(created, rel)
	}
	moves, err := cfg.Kube.MoveOwnership(ctx, plan.objs, moveOpts)
	if err != nil {
		return moves, undoRecords(errors.Join(err, cfg.Kube.RestoreOwnership(undoContext(ctx), moves)))
	}
	var deleted []*helmrecord.Record
	for _, rec := range plan.records {
		if err := helm.Delete(ctx, rec); err != nil {
			for _, d := range deleted {
				err = errors.Join(err, helm.Restore(undoContext(ctx), d))
			}
			return moves, undoRecords(errors.Join(err, cfg.Kube.RestoreOwnership(undoContext(ctx), moves)))
		}
		deleted = append(deleted, rec)
	}
	return moves, nil
}

// undoContext is a context for undoing a failed step: the step's context
// may be the reason it failed.
func undoContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// deleteRevisions deletes the berth records of revs.
func deleteRevisions(ctx context.Context, cfg *Configuration, revs []*release.Release) error {
	var errs []error
	for _, rel := range revs {
		if err := cfg.Store.Delete(undoContext(ctx), rel.Name, rel.Revision); err != nil && !errors.Is(err, release.ErrNotFound) {
			errs = append(errs, fmt.Errorf("undo: delete release %q revision %d: %w", rel.Name, rel.Revision, err))
		}
	}
	return errors.Join(errs...)
}
