package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// DiffAction says what applying a revision would do to one object.
type DiffAction string

// The actions of an object diff. They are part of berth's diff JSON
// schema (docs/diff-schema.md).
const (
	// DiffCreate means the object does not exist and would be created.
	DiffCreate DiffAction = "create"
	// DiffChange means the object exists and would be changed.
	DiffChange DiffAction = "change"
	// DiffDelete means the object would be pruned.
	DiffDelete DiffAction = "delete"
	// DiffUnchanged means applying would leave the object as it is.
	DiffUnchanged DiffAction = "unchanged"
	// DiffReplace means applying would change immutable fields: the object
	// must be deleted and created again (--force-replace).
	DiffReplace DiffAction = "replace"
)

// ObjectDiff is what applying would do to one object. Live and Merged are
// cleaned (see Clean) and their Secret values masked (see MaskSecrets):
// they are safe to print.
type ObjectDiff struct {
	// Ref is the object, namespace defaulted.
	Ref ObjectRef
	// Action is what would happen.
	Action DiffAction
	// Live is the object as it is; nil when it does not exist.
	Live *unstructured.Unstructured
	// Merged is the object as it would be: the server-side dry-run result,
	// or the rendered object when a dry run cannot tell (see Reason); nil
	// for deletions.
	Merged *unstructured.Unstructured
	// Changes are the fields that differ between Live and Merged; a
	// creation or deletion is one change of the whole object (path "").
	Changes []FieldChange
	// ResourceVersion is the live object's resourceVersion, "" when it does
	// not exist: what a plan records to detect changes since.
	ResourceVersion string
	// Reason says why Merged is the rendered object (laid over the live
	// one for DiffReplace) rather than the server's answer; empty
	// otherwise.
	Reason string
}

// DiffOptions tune Diff.
type DiffOptions struct {
	// ApplyOptions are those of the Apply to preview; DryRun is implied.
	ApplyOptions
	// Prune are the refs of the revision being replaced: those objs no
	// longer has and that Prune would delete are deletions.
	Prune []ObjectRef
	// CRDs are CRDs applied before objs (a chart's crds/ files), whose
	// kinds objs may use; they are not diffed.
	CRDs []*unstructured.Unstructured
}

// Diff computes what Apply of objs with opts, followed by Prune of
// opts.Prune, would do, without changing
// anything. Each object is applied with a server-side dry run and the
// result compared with the live object. When the dry run cannot answer,
// the rendered object stands for the result and Reason says why: its kind
// is defined by a CRD among objs that does not exist yet, or its namespace
// does not exist yet. Objects of opts.Prune that objs no longer have and that
// Prune would delete are deletions.
//
// Diff refuses objects Apply would refuse (not owned, see ApplyOptions).
// The result is in install order, deletions last.
func (c *Client) Diff(ctx context.Context, objs []*unstructured.Unstructured, opts DiffOptions) ([]ObjectDiff, error) {
	opts.DryRun = true
	items, err := c.prepareDiff(objs, opts)
	if err != nil {
		return nil, err
	}
	if err := c.preflight(ctx, items, opts.ApplyOptions); err != nil {
		return nil, err
	}
	var ordered []*applyItem
	for _, wave := range planWaves(items, (*applyItem).waveKey, installStages, installOrder) {
		ordered = append(ordered, wave...)
	}
	diffs := make([]ObjectDiff, len(ordered))
	err = forEach(ctx, indexes(len(ordered)), opts.concurrency(), func(ctx context.Context, i int) error {
		var err error
		diffs[i], err = c.diffOne(ctx, ordered[i], opts.ApplyOptions)
		return err
	})
	if err != nil {
		return nil, err
	}
	deletions, err := c.diffPrune(ctx, items, opts.Prune, opts.ApplyOptions)
	if err != nil {
		return nil, err
	}
	return append(diffs, deletions...), nil
}

// prepareDiff prepares objs as Apply does, with the kinds of opts.CRDs
// known.
func (c *Client) prepareDiff(objs []*unstructured.Unstructured, opts DiffOptions) ([]*applyItem, error) {
	if len(opts.CRDs) == 0 {
		return c.prepareApply(objs, opts.ApplyOptions)
	}
	items, err := c.prepareApply(append(slices.Clip(opts.CRDs), objs...), opts.ApplyOptions)
	if err != nil {
		return nil, err
	}
	n, err := Flatten(opts.CRDs)
	if err != nil {
		return nil, err
	}
	return items[len(n):], nil
}

// indexes returns 0, 1, ..., n-1: forEach over them fills slices in order.
func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// diffOne dry-runs the apply of one object and compares the result with
// the live object.
func (c *Client) diffOne(ctx context.Context, it *applyItem, opts ApplyOptions) (ObjectDiff, error) {
	if it.mapping == nil {
		return renderedDiff(it, "its CustomResourceDefinition is new in this revision"), nil
	}
	config, err := json.Marshal(it.obj.Object)
	if err != nil {
		return ObjectDiff{}, &ObjectError{Ref: it.ref, Err: fmt.Errorf("encode: %w", err)}
	}
	if it.unchangedSince(config, opts) {
		// Apply would not send it (see applied.go): nothing to ask.
		return compareObjects(it.ref, it.live, it.live), nil
	}
	if err := c.adopt(ctx, it, opts); err != nil {
		return ObjectDiff{}, err
	}
	out, err := c.resource(it.mapping, it.ref.Namespace).Patch(ctx, it.ref.Name, types.ApplyPatchType, config,
		metav1.PatchOptions{FieldManager: FieldManager, Force: &opts.Force, DryRun: []string{metav1.DryRunAll}})
	if err != nil && it.live == nil && it.isNamespaced && apierrors.IsNotFound(err) {
		return renderedDiff(it, fmt.Sprintf("namespace %s does not exist yet", it.ref.Namespace)), nil
	}
	if err != nil {
		err = objectError(it.ref, "dry-run apply", err)
		if d, ok := replaceDiff(it, err); ok {
			return d, nil
		}
		return ObjectDiff{}, err
	}
	return compareObjects(it.ref, it.live, out), nil
}

// renderedDiff is the creation of it's rendered object.
func renderedDiff(it *applyItem, reason string) ObjectDiff {
	d := compareObjects(it.ref, nil, it.obj)
	d.Reason = reason
	return d
}

// compareObjects cleans and masks live and merged and says what changes.
func compareObjects(ref ObjectRef, live, merged *unstructured.Unstructured) ObjectDiff {
	d := ObjectDiff{Ref: ref}
	if live != nil {
		d.ResourceVersion = live.GetResourceVersion()
	}
	d.Live, d.Merged = Clean(live), Clean(merged)
	MaskSecrets(d.Live, d.Merged)
	switch {
	case live == nil:
		d.Action = DiffCreate
	case merged == nil:
		d.Action = DiffDelete
	case reflect.DeepEqual(d.Live.Object, d.Merged.Object):
		d.Action = DiffUnchanged
	default:
		d.Action = DiffChange
	}
	switch d.Action {
	case DiffCreate:
		d.Changes = []FieldChange{{Path: "", Op: FieldOpAdd, New: d.Merged.Object}}
	case DiffDelete:
		d.Changes = []FieldChange{{Path: "", Op: FieldOpRemove, Old: d.Live.Object}}
	case DiffChange:
		d.Changes = FieldChanges(d.Live, d.Merged)
	}
	return d
}

// diffPrune returns the deletions Prune of prune would make after objs
// (items) were applied: live objects of the release that objs no longer
// have, unless they are to be kept.
func (c *Client) diffPrune(ctx context.Context, items []*applyItem, prune []ObjectRef, opts ApplyOptions) ([]ObjectDiff, error) {
	keep := map[ObjectRef]bool{}
	for _, it := range items {
		keep[it.ref.identity()] = true
	}
	var stale []*deleteItem
	for _, it := range c.resolveRefs(prune, opts.Namespace) {
		if !keep[it.ref.identity()] && it.mapping != nil {
			keep[it.ref.identity()] = true
			stale = append(stale, it)
		}
	}
	diffs := make([]*ObjectDiff, len(stale))
	err := forEach(ctx, indexes(len(stale)), opts.concurrency(), func(ctx context.Context, i int) error {
		it := stale[i]
		live, err := c.resource(it.mapping, it.ref.Namespace).Get(ctx, it.ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return objectError(it.ref, "read before prune", err)
		}
		if keepReason(live, opts.Owner) != "" {
			return nil
		}
		d := compareObjects(it.ref, live, nil)
		diffs[i] = &d
		return nil
	})
	var out []ObjectDiff
	for _, d := range diffs {
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, err
}
