package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Namespace is given to namespaced objects that have none.
	Namespace string
	// Owner is the release stamped on every object (AnnotationReleaseName,
	// AnnotationReleaseNamespace). Existing objects of another release, or
	// of none, are refused unless TakeOwnership. Zero: no stamp, no check.
	Owner Owner
	// TakeOwnership adopts existing objects whatever their owner.
	TakeOwnership bool
	// Force takes over fields other field managers own (--force-conflicts).
	Force bool
	// DryRun applies with server-side dry run: the API server validates,
	// defaults and reports, and persists nothing.
	DryRun bool
	// Concurrency bounds the objects applied at once; 0 is
	// DefaultConcurrency.
	Concurrency int
	// Applied are the digests a previous Apply left on the objects
	// (ChangeSetEntry.Applied, keyed by AppliedKey). An object whose
	// configuration and berth's managed fields still match its digest is
	// not sent: the apply would change nothing, and it is reported
	// unchanged. Give only the digests of an operation whose every apply
	// was recorded (see applied.go); nil applies everything.
	Applied map[string]string
	// OnApplied, when set, is called with each object's entry as soon as
	// the object is handled, for live progress; calls do not overlap.
	OnApplied func(ChangeSetEntry)
	// ForceReplace deletes and re-creates the objects whose apply the API
	// server refuses because it changes immutable fields (--force-replace),
	// and only those; see replace.go. Without it such an apply fails with
	// an *ImmutableFieldError.
	ForceReplace bool
	// ReplaceTimeout bounds the wait for each replaced object to be gone
	// before it is created again; 0 leaves it to the context.
	ReplaceTimeout time.Duration
}

func (o ApplyOptions) concurrency() int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return DefaultConcurrency
}

// applyItem is one object on its way through Apply.
type applyItem struct {
	ref          ObjectRef                  // namespace defaulted
	obj          *unstructured.Unstructured // the copy to apply
	mapping      *meta.RESTMapping          // nil until its kind resolves
	isNamespaced bool
	fetched      bool                        // live was read
	live         *unstructured.Unstructured  // before apply; nil if absent
	liveFields   []metav1.ManagedFieldsEntry // live's managed fields
	wait         WaitMode                    // the object's AnnotationWait
	entry        ChangeSetEntry              // set once handled
}

func (it *applyItem) waveKey() waveKey {
	return waveKey{stage: stageOf(it.ref.GroupKind(), it.isNamespaced), kind: it.ref.Kind}
}

// Apply applies objs with server-side apply as FieldManager, in stages:
// CRDs (waited for until Established), Namespaces, other cluster-scoped
// objects, namespaced objects in Helm's kind order, then APIServices and
// webhook configurations. Objects of one kind in one stage are applied in
// parallel. Lists among objs are applied item by item (see Flatten); objs
// are not modified.
//
// Before applying anything Apply resolves every kind and reads every
// existing object, refusing objects it does not own (see ApplyOptions); it
// stops after the first wave (one kind of one stage) with errors. The change set lists the objects
// handled so far, also on error. Every error names its object.
func (c *Client) Apply(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions) (*ChangeSet, error) {
	items, err := c.prepareApply(objs, opts)
	if err != nil {
		return &ChangeSet{}, err
	}
	if err := c.preflight(ctx, items, opts); err != nil {
		return &ChangeSet{}, err
	}
	cs := &ChangeSet{}
	for _, wave := range planWaves(items, (*applyItem).waveKey, installStages, installOrder) {
		err := c.applyWave(ctx, wave, opts)
		for _, it := range wave {
			if it.entry.Action != "" {
				cs.Add(it.entry)
			}
		}
		if err == nil && wave[0].ref.GroupKind() == crdKind && !opts.DryRun {
			err = c.establish(ctx, wave, opts.concurrency())
		}
		if err != nil {
			return cs, err
		}
	}
	return cs, nil
}

// prepareApply copies and checks objs, defaults their namespaces, stamps the
// owner and resolves their kinds. Kinds defined by a CRD among objs that
// the server does not serve yet are left for later.
func (c *Client) prepareApply(objs []*unstructured.Unstructured, opts ApplyOptions) ([]*applyItem, error) {
	objs, err := Flatten(objs)
	if err != nil {
		return nil, err
	}
	items, err := c.prepareItems(objs, opts)
	if errors.Is(err, ErrUnknownKind) {
		// The discovery cache may predate CRDs installed since: read it anew.
		c.mapper.Reset()
		items, err = c.prepareItems(objs, opts)
	}
	return items, err
}

func (c *Client) prepareItems(objs []*unstructured.Unstructured, opts ApplyOptions) ([]*applyItem, error) {
	crdScopes := definedKinds(objs)
	items := make([]*applyItem, 0, len(objs))
	seen := map[ObjectRef]bool{}
	var errs []error
	for _, obj := range objs {
		it, err := c.prepareItem(obj, crdScopes, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[it.ref.identity()] {
			errs = append(errs, &ObjectError{Ref: it.ref, Err: errors.New("given more than once")})
			continue
		}
		seen[it.ref.identity()] = true
		items = append(items, it)
	}
	return items, errors.Join(errs...)
}

func (c *Client) prepareItem(obj *unstructured.Unstructured, crdScopes map[schema.GroupVersionKind]bool, opts ApplyOptions) (*applyItem, error) {
	it := &applyItem{obj: obj.DeepCopy(), ref: RefOf(obj)}
	if it.ref.Kind == "" || it.ref.Version == "" || it.ref.Name == "" {
		return nil, &ObjectError{Ref: it.ref, Err: errors.New("apiVersion, kind and metadata.name are required")}
	}
	mapping, err := c.mapping(it.ref)
	switch {
	case err == nil:
		it.mapping, it.isNamespaced = mapping, namespaced(mapping)
	case meta.IsNoMatchError(err):
		isNamespaced, defined := crdScopes[it.ref.GroupVersionKind()]
		if !defined {
			return nil, unknownKind(it.ref, err)
		}
		it.isNamespaced = isNamespaced
	default:
		return nil, objectError(it.ref, "resolve kind", err)
	}
	switch {
	case !it.isNamespaced:
		it.ref.Namespace = ""
	case it.ref.Namespace == "":
		it.ref.Namespace = opts.Namespace
	}
	if it.isNamespaced && it.ref.Namespace == "" {
		return nil, &ObjectError{Ref: it.ref, Err: errors.New("namespaced object without a namespace")}
	}
	if it.wait, err = waitModeOf(obj); err != nil {
		return nil, &ObjectError{Ref: it.ref, Err: err}
	}
	it.obj.SetNamespace(it.ref.Namespace)
	it.obj.SetManagedFields(nil)
	if !opts.Owner.IsZero() {
		opts.Owner.stamp(it.obj)
	}
	return it, nil
}

// definedKinds returns the kinds the CRDs among objs define, in each
// version they serve, with whether they are namespaced.
func definedKinds(objs []*unstructured.Unstructured) map[schema.GroupVersionKind]bool {
	kinds := map[schema.GroupVersionKind]bool{}
	for _, obj := range objs {
		if obj.GroupVersionKind().GroupKind() != crdKind {
			continue
		}
		group, _, _ := unstructured.NestedString(obj.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(obj.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(obj.Object, "spec", "scope")
		versions, _, _ := unstructured.NestedSlice(obj.Object, "spec", "versions")
		for _, v := range versions {
			version, _ := v.(map[string]any)
			name, _ := version["name"].(string)
			if served, _ := version["served"].(bool); served {
				kinds[schema.GroupVersionKind{Group: group, Version: name, Kind: kind}] = scope != "Cluster"
			}
		}
	}
	return kinds
}

// fetch reads the live object of it and checks its owner.
func (c *Client) fetch(ctx context.Context, it *applyItem, opts ApplyOptions) error {
	live, err := c.resource(it.mapping, it.ref.Namespace).Get(ctx, it.ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return objectError(it.ref, "read before apply", err)
	}
	it.live, it.fetched = live, true
	if live != nil {
		it.liveFields = live.GetManagedFields()
	}
	return it.checkOwner(opts)
}

// checkOwner refuses it when its live object belongs to another release,
// or to none, unless opts take ownership.
func (it *applyItem) checkOwner(opts ApplyOptions) error {
	if opts.TakeOwnership {
		return nil
	}
	if err := checkOwner(it.live, opts.Owner); err != nil {
		return &ObjectError{Ref: it.ref, Err: err}
	}
	return nil
}

// applyWave applies the objects of one wave in parallel.
func (c *Client) applyWave(ctx context.Context, wave []*applyItem, opts ApplyOptions) error {
	if err := c.resolveDeferred(ctx, wave, opts.DryRun); err != nil {
		return err
	}
	var mu sync.Mutex
	return forEach(ctx, wave, opts.concurrency(), func(ctx context.Context, it *applyItem) error {
		err := c.applyOne(ctx, it, opts)
		it.entry.Wait = it.wait
		if err == nil && opts.OnApplied != nil && it.entry.Action != "" {
			mu.Lock()
			defer mu.Unlock()
			opts.OnApplied(it.entry)
		}
		return err
	})
}

func (c *Client) applyOne(ctx context.Context, it *applyItem, opts ApplyOptions) error {
	if it.mapping == nil {
		it.entry = newEntry(it.ref, ActionSkipped, "dry run: its CustomResourceDefinition is not installed")
		return nil
	}
	if !it.fetched {
		if err := c.fetch(ctx, it, opts); err != nil {
			return err
		}
	}
	if err := c.adopt(ctx, it, opts); err != nil {
		return err
	}
	config, err := json.Marshal(it.obj.Object)
	if err != nil {
		return &ObjectError{Ref: it.ref, Err: fmt.Errorf("encode: %w", err)}
	}
	if !opts.DryRun && it.unchangedSince(config, opts) {
		it.entry = newEntry(it.ref, ActionUnchanged, "")
		it.entry.Generation, it.entry.ResourceVersion = it.live.GetGeneration(), it.live.GetResourceVersion()
		it.entry.Applied = opts.Applied[AppliedKey(it.ref)]
		return nil
	}
	patchOpts := metav1.PatchOptions{FieldManager: FieldManager, Force: &opts.Force}
	if opts.DryRun {
		patchOpts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := c.resource(it.mapping, it.ref.Namespace).Patch(ctx, it.ref.Name, types.ApplyPatchType, config, patchOpts)
	if err != nil {
		return c.applyRefused(ctx, it, opts, config, objectError(it.ref, "apply", err))
	}
	it.setApplied(applyAction(it.live, out, opts.DryRun), "", out, config, opts.DryRun)
	return nil
}

// setApplied records the entry of an object applied as out.
func (it *applyItem) setApplied(action Action, reason string, out *unstructured.Unstructured, config []byte, dryRun bool) {
	it.entry = newEntry(it.ref, action, reason)
	it.entry.Generation, it.entry.ResourceVersion = out.GetGeneration(), out.GetResourceVersion()
	if !dryRun {
		it.entry.Applied = appliedDigest(config, out.GetManagedFields())
	}
}

// unchangedSince reports whether applying config would change nothing: it
// is what berth applied last time and berth's managed fields are as that
// apply left them (see applied.go).
func (it *applyItem) unchangedSince(config []byte, opts ApplyOptions) bool {
	if it.live == nil || checkOwner(it.live, opts.Owner) != nil {
		return false
	}
	want, ok := opts.Applied[AppliedKey(it.ref)]
	return ok && want != "" && appliedDigest(config, it.liveFields) == want
}

// adopt prepares taking over an object of another owner: the manager that
// wrote its release annotations owns them and the apply would conflict, so
// berth first sets them with a merge patch, which never conflicts; the apply
// then agrees with their values. A dry run cannot persist the patch and
// applies without the annotations instead.
func (c *Client) adopt(ctx context.Context, it *applyItem, opts ApplyOptions) error {
	if !opts.TakeOwnership || it.live == nil || checkOwner(it.live, opts.Owner) == nil {
		return nil
	}
	if opts.DryRun {
		annotations := it.obj.GetAnnotations()
		delete(annotations, AnnotationReleaseName)
		delete(annotations, AnnotationReleaseNamespace)
		it.obj.SetAnnotations(annotations)
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		AnnotationReleaseName:      opts.Owner.Name,
		AnnotationReleaseNamespace: opts.Owner.Namespace,
	}}})
	if err != nil {
		return &ObjectError{Ref: it.ref, Err: fmt.Errorf("take ownership: %w", err)}
	}
	_, err = c.resource(it.mapping, it.ref.Namespace).Patch(ctx, it.ref.Name, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return objectError(it.ref, "take ownership", err)
	}
	return nil
}

// applyAction compares an object before and after apply. The API server
// skips writes that change nothing, so an unchanged resourceVersion means
// unchanged; a dry run never writes, so there the objects are compared.
func applyAction(before, after *unstructured.Unstructured, dryRun bool) Action {
	switch {
	case before == nil:
		return ActionCreated
	case !dryRun && before.GetResourceVersion() == after.GetResourceVersion():
		return ActionUnchanged
	case dryRun && equality.Semantic.DeepEqual(withoutVolatileMeta(before), withoutVolatileMeta(after)):
		return ActionUnchanged
	}
	return ActionConfigured
}

// withoutVolatileMeta strips the metadata a dry-run apply may change without
// changing the object.
func withoutVolatileMeta(obj *unstructured.Unstructured) map[string]any {
	obj = obj.DeepCopy()
	obj.SetManagedFields(nil)
	obj.SetResourceVersion("")
	obj.SetGeneration(0)
	return obj.Object
}
