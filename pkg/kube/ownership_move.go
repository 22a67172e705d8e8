package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// MoveOptions say whose field ownership MoveOwnership moves to whom.
type MoveOptions struct {
	// Namespace is given to namespaced objects that have none.
	Namespace string
	// From are the field managers whose entries move, whatever their
	// operation (Apply or Update) and subresource.
	From []string
	// To is the manager that receives them as its Apply entry, one per
	// subresource; its own Update entries are merged into it too.
	To string
	// Metadata are annotations and labels to set on each object when it
	// lacks them, owned by To's Apply entry (berth's release annotations
	// on import, Helm's on export). Existing values are kept.
	Annotations, Labels map[string]string
	// RemoveAnnotations are removed from the objects (and from every
	// entry), e.g. berth's release annotations on export.
	RemoveAnnotations []string
	// Unowned are annotation and label keys whose ownership is dropped
	// instead of moved unless the object given for it sets them, so that
	// applies by To never remove them (Helm's release metadata on import).
	UnownedAnnotations, UnownedLabels []string
	// DryRun sends the patches with server-side dry run.
	DryRun bool
	// Concurrency bounds the objects handled at once; 0 is
	// DefaultConcurrency.
	Concurrency int
	// Now stamps the entries that change; nil is time.Now.
	Now func() time.Time
}

// MovedEntry is one managedFields entry MoveOwnership took over.
type MovedEntry struct {
	Manager     string `json:"manager"`
	Operation   string `json:"operation"`
	APIVersion  string `json:"apiVersion"`
	Subresource string `json:"subresource,omitempty"`
	// Fields counts the fields (leaves and containers) the entry owned.
	Fields int `json:"fields"`
}

// ObjectMove is what MoveOwnership did to one object.
type ObjectMove struct {
	// Ref is the object, namespace defaulted.
	Ref ObjectRef `json:"-"`
	// Missing means the object does not exist: nothing was moved.
	Missing bool `json:"missing,omitempty"`
	// Moved are the entries taken over.
	Moved []MovedEntry `json:"moved,omitempty"`
	// Changed says a patch was sent (or, with DryRun, would be).
	Changed bool `json:"changed"`

	before     []metav1.ManagedFieldsEntry // managedFields before the move
	beforeSets []managerFields             // the same, per manager
	added      []string                    // annotation and label pointers the patch added
	removed    map[string]string           // annotations the patch removed, with their values
	client     dynamic.ResourceInterface
}

// moveAttempts bounds the retries of a move that lost a race with another
// writer of the object.
const moveAttempts = 5

// MoveOwnership gives the fields that opts.From own in each of objs to
// opts.To's Apply entry: every entry of those managers is merged, per
// subresource, into To's Apply entry (the object's API version for the
// object itself), and the other managers' entries are left as they are.
// It sends one JSON patch per object, which replaces managedFields and sets
// the metadata of opts, conditional on the resourceVersion it read; a
// patch that loses a race is computed again from a fresh read. Objects
// that do not exist are reported Missing. On error the objects moved so
// far are in the result; RestoreOwnership undoes them.
func (c *Client) MoveOwnership(ctx context.Context, objs []*unstructured.Unstructured, opts MoveOptions) ([]ObjectMove, error) {
	items, err := c.prepareApply(objs, ApplyOptions{Namespace: opts.Namespace})
	if err != nil {
		return nil, err
	}
	moves := make([]ObjectMove, len(items))
	concurrency := opts.Concurrency
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	err = forEach(ctx, indexes(len(items)), concurrency, func(ctx context.Context, i int) error {
		var err error
		moves[i], err = c.moveOne(ctx, items[i], opts)
		return err
	})
	return moves, err
}

func (c *Client) moveOne(ctx context.Context, it *applyItem, opts MoveOptions) (ObjectMove, error) {
	m := ObjectMove{Ref: it.ref}
	if it.mapping == nil {
		m.Missing = true
		return m, nil
	}
	m.client = c.resource(it.mapping, it.ref.Namespace)
	for attempt := 1; ; attempt++ {
		live, err := m.client.Get(ctx, it.ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			m.Missing = true
			return m, nil
		}
		if err != nil {
			return m, objectError(it.ref, "read", err)
		}
		patch, err := planMove(&m, live, it.obj, opts)
		if err != nil {
			return m, &ObjectError{Ref: it.ref, Err: err}
		}
		if patch == nil {
			return m, nil
		}
		po := metav1.PatchOptions{FieldManager: opts.To}
		if opts.DryRun {
			po.DryRun = []string{metav1.DryRunAll}
		}
		_, err = m.client.Patch(ctx, it.ref.Name, types.JSONPatchType, patch, po)
		if apierrors.IsConflict(err) && attempt < moveAttempts {
			continue
		}
		if err != nil {
			return m, objectError(it.ref, "move field ownership to "+opts.To, err)
		}
		m.Changed = true
		return m, nil
	}
}

// planMove computes the move of live's ownership and returns the JSON
// patch that does it, nil when there is nothing to do. obj is the
// object as given, for the metadata it sets.
func planMove(m *ObjectMove, live, obj *unstructured.Unstructured, opts MoveOptions) ([]byte, error) {
	m.before = live.GetManagedFields()
	sets, err := managedSets(live)
	if err != nil {
		return nil, err
	}
	m.beforeSets = sets
	meta := metadataOps(live, opts)
	m.added, m.removed = meta.added, meta.removed
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	entries, moved, err := mergeEntries(m.before, opts, live.GetAPIVersion(), meta.claim, dropSet(obj, opts), metav1.NewTime(now()))
	if err != nil {
		return nil, err
	}
	m.Moved = moved
	if len(moved) == 0 && len(meta.ops) == 0 {
		return nil, nil
	}
	ops := []map[string]any{
		// "replace", not "test": a changed object then fails with 409
		// Conflict, which is retried, rather than 422.
		{"op": "replace", "path": "/metadata/resourceVersion", "value": live.GetResourceVersion()},
		{"op": "replace", "path": "/metadata/managedFields", "value": entries},
	}
	return json.Marshal(append(ops, meta.ops...))
}

// metaPlan is the metadata part of a move's patch.
type metaPlan struct {
	ops     []map[string]any
	claim   *fieldpath.Set    // fields the target entry owns for the metadata it sets
	added   []string          // JSON pointers added
	removed map[string]string // annotations removed
}

// metadataOps returns the patch operations that set opts' annotations and
// labels on live (when it lacks them) and remove opts.RemoveAnnotations.
func metadataOps(live *unstructured.Unstructured, opts MoveOptions) metaPlan {
	p := metaPlan{claim: &fieldpath.Set{}}
	set := func(field string, have, want map[string]string) {
		if len(want) == 0 {
			return
		}
		if have == nil {
			p.ops = append(p.ops, map[string]any{"op": "add", "path": "/metadata/" + field, "value": map[string]string{}})
		}
		for _, k := range sortedKeys(want) {
			p.claim.Insert(fieldpath.MakePathOrDie("metadata", field, k))
			if _, ok := have[k]; ok {
				continue
			}
			ptr := "/metadata/" + field + "/" + escapePointer(k)
			p.ops = append(p.ops, map[string]any{"op": "add", "path": ptr, "value": want[k]})
			p.added = append(p.added, ptr)
		}
	}
	set("annotations", live.GetAnnotations(), opts.Annotations)
	set("labels", live.GetLabels(), opts.Labels)
	for _, k := range opts.RemoveAnnotations {
		v, ok := live.GetAnnotations()[k]
		if !ok {
			continue
		}
		if p.removed == nil {
			p.removed = map[string]string{}
		}
		p.removed[k] = v
		p.ops = append(p.ops, map[string]any{"op": "remove", "path": "/metadata/annotations/" + escapePointer(k)})
	}
	return p
}

// dropSet are the fields of opts' unowned keys that obj does not set, and
// of the annotations removed.
func dropSet(obj *unstructured.Unstructured, opts MoveOptions) *fieldpath.Set {
	drop := &fieldpath.Set{}
	add := func(field string, keys []string, given map[string]string) {
		for _, k := range keys {
			if _, ok := given[k]; !ok {
				drop.Insert(fieldpath.MakePathOrDie("metadata", field, k))
			}
		}
	}
	add("annotations", opts.UnownedAnnotations, obj.GetAnnotations())
	add("labels", opts.UnownedLabels, obj.GetLabels())
	add("annotations", opts.RemoveAnnotations, nil)
	// A manager that owns a map (its "." entry) removes it whole, unowned
	// keys included, once its applies stop setting it: keep the map only
	// where the object sets it or the move sets keys in it.
	if len(opts.UnownedAnnotations) > 0 && len(obj.GetAnnotations()) == 0 && len(opts.Annotations) == 0 {
		drop.Insert(fieldpath.MakePathOrDie("metadata", "annotations"))
	}
	if len(opts.UnownedLabels) > 0 && len(obj.GetLabels()) == 0 && len(opts.Labels) == 0 {
		drop.Insert(fieldpath.MakePathOrDie("metadata", "labels"))
	}
	return drop
}

// mergeEntries returns entries with those of opts.From (and To's Update
// entries) merged into To's Apply entry per subresource, minus drop, plus
// claim on the object's own entry; and what was taken over.
func mergeEntries(entries []metav1.ManagedFieldsEntry, opts MoveOptions, apiVersion string,
	claim, drop *fieldpath.Set, now metav1.Time,
) ([]metav1.ManagedFieldsEntry, []MovedEntry, error) {
	m := &merger{opts: opts, apiVersion: apiVersion, now: now, targets: map[string]*mergeTarget{}}
	for _, e := range entries {
		if !m.takes(e) {
			m.out = append(m.out, e)
			continue
		}
		if err := m.add(e); err != nil {
			return nil, nil, err
		}
	}
	if !claim.Empty() {
		m.target("", apiVersion)
	}
	for sub, t := range m.targets {
		set := t.set
		if sub == "" {
			set = set.Union(claim).Difference(drop)
		}
		if err := encodeSet(&m.out[t.index], set); err != nil {
			return nil, nil, err
		}
	}
	return m.out, m.moved, nil
}

// merger builds the managedFields of a move.
type merger struct {
	opts       MoveOptions
	apiVersion string
	now        metav1.Time
	out        []metav1.ManagedFieldsEntry
	moved      []MovedEntry
	targets    map[string]*mergeTarget // To's Apply entry, per subresource
}

// mergeTarget is To's Apply entry of one subresource, at out[index].
type mergeTarget struct {
	index int
	set   *fieldpath.Set
}

// isTarget reports whether e is To's own Apply entry.
func (m *merger) isTarget(e metav1.ManagedFieldsEntry) bool {
	return e.Manager == m.opts.To && e.Operation == metav1.ManagedFieldsOperationApply
}

// takes reports whether e merges into To's Apply entry.
func (m *merger) takes(e metav1.ManagedFieldsEntry) bool {
	switch {
	case e.FieldsV1 == nil:
		return false
	case e.Manager == m.opts.To:
		return true // its Apply entry, and Update entries
	}
	return slices.Contains(m.opts.From, e.Manager)
}

// target returns To's Apply entry of subresource, adding it where the
// first entry merged into it was.
func (m *merger) target(subresource, apiVersion string) *mergeTarget {
	if t := m.targets[subresource]; t != nil {
		return t
	}
	if subresource == "" {
		apiVersion = m.apiVersion
	}
	t := &mergeTarget{index: len(m.out), set: &fieldpath.Set{}}
	m.targets[subresource] = t
	m.out = append(m.out, metav1.ManagedFieldsEntry{
		Manager: m.opts.To, Operation: metav1.ManagedFieldsOperationApply, APIVersion: apiVersion,
		Subresource: subresource, FieldsType: "FieldsV1", Time: &m.now,
	})
	return t
}

// add merges entry e into To's Apply entry of its subresource.
func (m *merger) add(e metav1.ManagedFieldsEntry) error {
	set, err := decodeSet(e)
	if err != nil {
		return err
	}
	t := m.target(e.Subresource, e.APIVersion)
	t.set = t.set.Union(set)
	if !m.isTarget(e) {
		m.moved = append(m.moved, MovedEntry{
			Manager: e.Manager, Operation: string(e.Operation), APIVersion: e.APIVersion,
			Subresource: e.Subresource, Fields: countFields(set),
		})
	}
	return nil
}

// countFields is the number of paths in set.
func countFields(set *fieldpath.Set) int {
	n := 0
	set.Iterate(func(fieldpath.Path) { n++ })
	return n
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// RestoreOwnership undoes moves that MoveOwnership made: each changed
// object gets its managedFields back and the metadata the move added or
// removed is put back as it was. It is best effort for undoing a
// migration that failed half way: it tries every object and joins the
// errors.
func (c *Client) RestoreOwnership(ctx context.Context, moves []ObjectMove) error {
	var errs []string
	for _, m := range moves {
		if !m.Changed || m.client == nil {
			continue
		}
		if err := restoreOne(ctx, m); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("restore field ownership: %s", strings.Join(errs, "; "))
	}
	return nil
}

func restoreOne(ctx context.Context, m ObjectMove) error {
	for attempt := 1; ; attempt++ {
		live, err := m.client.Get(ctx, m.Ref.Name, metav1.GetOptions{})
		if err != nil {
			return objectError(m.Ref, "read", err)
		}
		ops := []map[string]any{
			{"op": "replace", "path": "/metadata/resourceVersion", "value": live.GetResourceVersion()},
			{"op": "replace", "path": "/metadata/managedFields", "value": m.before},
		}
		for _, ptr := range m.added {
			ops = append(ops, map[string]any{"op": "remove", "path": ptr})
		}
		for k, v := range m.removed {
			ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations/" + escapePointer(k), "value": v})
		}
		patch, err := json.Marshal(ops)
		if err != nil {
			return err
		}
		_, err = m.client.Patch(ctx, m.Ref.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
		if apierrors.IsConflict(err) && attempt < moveAttempts {
			continue
		}
		if err != nil {
			return objectError(m.Ref, "restore field ownership", err)
		}
		return nil
	}
}
