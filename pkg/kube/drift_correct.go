package kube

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Correct puts the drifted objects of drifts back as the release has them,
// without touching the others. Missing objects are created again and
// changed fields restored by a server-side apply that forces berth's
// fields (taking them back from the managers that changed them). Fields
// other managers added are removed: berth first rewrites the object's
// managedFields so that its apply owns them, under a resourceVersion
// precondition, and the apply then drops them as fields berth no longer
// applies. opts.Force and opts.DryRun are ignored.
func (c *Client) Correct(ctx context.Context, drifts []ObjectDrift, opts ApplyOptions) (*ChangeSet, error) {
	var objs []*unstructured.Unstructured
	for _, d := range drifts {
		if !d.Drifted() {
			continue
		}
		if len(d.added) > 0 {
			if err := c.takeAdded(ctx, d); err != nil {
				return &ChangeSet{}, err
			}
		}
		objs = append(objs, d.obj)
	}
	if len(objs) == 0 {
		return &ChangeSet{}, nil
	}
	opts.Force, opts.DryRun = true, false
	return c.Apply(ctx, objs, opts)
}

// takeAdded moves the ownership of the fields other managers added to d's
// object from them to berth's apply entry.
func (c *Client) takeAdded(ctx context.Context, d ObjectDrift) error {
	mapping, err := c.mapping(d.Ref)
	if err != nil {
		return objectError(d.Ref, "resolve kind", err)
	}
	client := c.resource(mapping, d.Ref.Namespace)
	live, err := client.Get(ctx, d.Ref.Name, metav1.GetOptions{})
	if err != nil {
		return objectError(d.Ref, "read", err)
	}
	entries, err := moveOwnership(live.GetManagedFields(), d.added)
	if err != nil {
		return &ObjectError{Ref: d.Ref, Err: err}
	}
	patch, err := json.Marshal([]map[string]any{
		{"op": "test", "path": "/metadata/resourceVersion", "value": live.GetResourceVersion()},
		{"op": "replace", "path": "/metadata/managedFields", "value": entries},
	})
	if err != nil {
		return &ObjectError{Ref: d.Ref, Err: fmt.Errorf("take over added fields: %w", err)}
	}
	_, err = client.Patch(ctx, d.Ref.Name, types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return objectError(d.Ref, "take over added fields", err)
	}
	return nil
}

// moveOwnership returns entries with the fields of added (per manager)
// moved from their managers' entries to berth's Apply entry. Entries left
// empty are dropped.
func moveOwnership(entries []metav1.ManagedFieldsEntry, added map[string]*fieldpath.Set) ([]metav1.ManagedFieldsEntry, error) {
	moved := &fieldpath.Set{}
	out := make([]metav1.ManagedFieldsEntry, 0, len(entries))
	ours := -1
	for _, e := range entries {
		take := added[e.Manager]
		if e.Subresource == "status" || e.FieldsV1 == nil || take == nil {
			if e.Manager == FieldManager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
				ours = len(out)
			}
			out = append(out, e)
			continue
		}
		set, err := decodeSet(e)
		if err != nil {
			return nil, err
		}
		moved = moved.Union(set.Intersection(take))
		set = set.Difference(take)
		if set.Empty() {
			continue
		}
		if err := encodeSet(&e, set); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if ours < 0 {
		return nil, fmt.Errorf("take over added fields: no apply entry of field manager %s", FieldManager)
	}
	set, err := decodeSet(out[ours])
	if err != nil {
		return nil, err
	}
	if err := encodeSet(&out[ours], set.Union(moved)); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeSet(e metav1.ManagedFieldsEntry) (*fieldpath.Set, error) {
	set := &fieldpath.Set{}
	if err := set.FromJSON(e.FieldsV1.GetRawReader()); err != nil {
		return nil, fmt.Errorf("read managedFields of %s: %w", e.Manager, err)
	}
	return set, nil
}

func encodeSet(e *metav1.ManagedFieldsEntry, set *fieldpath.Set) error {
	raw, err := set.ToJSON()
	if err != nil {
		return fmt.Errorf("encode managedFields of %s: %w", e.Manager, err)
	}
	e.FieldsV1 = metav1.NewFieldsV1(string(raw))
	return nil
}
