package kube

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ObjectProof is what a server-side dry run of an object's configuration
// under berth's field manager would still change.
type ObjectProof struct {
	// Ref is the object, namespace defaulted.
	Ref ObjectRef `json:"-"`
	// Missing means the object does not exist: the apply would create it.
	Missing bool `json:"missing,omitempty"`
	// Fields are the fields whose value the apply would change; Manager
	// is the field's owner before the ownership move (see ProveApply).
	Fields []FieldDrift `json:"fields,omitempty"`
}

// Unchanged reports whether the apply would change nothing.
func (p ObjectProof) Unchanged() bool { return !p.Missing && len(p.Fields) == 0 }

// ProveApply applies each of objs (stamped with opts.Owner) with a
// server-side dry run that forces berth's fields, and compares the result
// with the live object: every difference is a field the next apply would
// change. Fields are attributed to their owners in moves (the objects'
// managedFields before MoveOwnership) when given, else to their current
// owners. Nothing is persisted.
func (c *Client) ProveApply(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions, moves []ObjectMove) ([]ObjectProof, error) {
	items, err := c.prepareApply(objs, opts)
	if err != nil {
		return nil, err
	}
	before := map[ObjectRef][]managerFields{}
	for _, m := range moves {
		if m.beforeSets != nil {
			before[m.Ref.identity()] = m.beforeSets
		}
	}
	proofs := make([]ObjectProof, len(items))
	err = forEach(ctx, indexes(len(items)), opts.concurrency(), func(ctx context.Context, i int) error {
		var err error
		proofs[i], err = c.proveOne(ctx, items[i], before[items[i].ref.identity()])
		return err
	})
	return proofs, err
}

func (c *Client) proveOne(ctx context.Context, it *applyItem, sets []managerFields) (ObjectProof, error) {
	p := ObjectProof{Ref: it.ref}
	if it.mapping == nil {
		p.Missing = true
		return p, nil
	}
	client := c.resource(it.mapping, it.ref.Namespace)
	live, err := client.Get(ctx, it.ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		p.Missing = true
		return p, nil
	}
	if err != nil {
		return p, objectError(it.ref, "read", err)
	}
	desired, err := client.Apply(ctx, it.ref.Name, it.obj, metav1.ApplyOptions{
		FieldManager: FieldManager, Force: true, DryRun: []string{metav1.DryRunAll},
	})
	if err != nil {
		return p, objectError(it.ref, "dry-run apply", err)
	}
	if sets == nil {
		if sets, err = managedSets(live); err != nil {
			return p, &ObjectError{Ref: it.ref, Err: err}
		}
	}
	p.Fields = changedFields(live, desired, sets)
	return p, nil
}
