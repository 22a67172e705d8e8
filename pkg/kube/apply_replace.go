package kube

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// applyRefused handles an apply of it the API server refused with err (an
// ObjectError). When err says immutable fields changed, it names them
// and, with opts.ForceReplace, replaces the object (a dry run reports the
// replacement without making it); other errors are returned as they are.
func (c *Client) applyRefused(ctx context.Context, it *applyItem, opts ApplyOptions, config []byte, err error) error {
	var imm *ImmutableFieldError
	if !errors.As(err, &imm) {
		return err
	}
	refineFields(imm, it.obj, it.live)
	switch {
	case !opts.ForceReplace || it.live == nil:
		return err
	case keepPolicy(it.live):
		return &ObjectError{Ref: it.ref, Err: fmt.Errorf("%s; not replaced: annotated %s: %s (delete it yourself to re-create it)",
			fieldsImmutable(imm), AnnotationResourcePolicy, ResourcePolicyKeep)}
	case opts.DryRun:
		it.entry = newEntry(it.ref, ActionReplaced, "dry run: "+fieldsImmutable(imm)+"; would be deleted and re-created")
		return nil
	}
	return c.replace(ctx, it, opts, config, imm)
}

// fieldsImmutable says which fields are immutable: "immutable field
// spec.template changed".
func fieldsImmutable(imm *ImmutableFieldError) string {
	if len(imm.Fields) == 1 {
		return "immutable field " + imm.Fieldnames() + " changed"
	}
	return "immutable fields " + imm.Fieldnames() + " changed"
}

// replace deletes the live object of it, with foreground propagation so
// that its dependents (a Job's pods, a StatefulSet's pods) go first, waits
// until it is gone and creates it again from config.
func (c *Client) replace(ctx context.Context, it *applyItem, opts ApplyOptions, config []byte, imm *ImmutableFieldError) error {
	client := c.resource(it.mapping, it.ref.Namespace)
	propagation := metav1.DeletePropagationForeground
	uid := it.live.GetUID()
	err := client.Delete(ctx, it.ref.Name, metav1.DeleteOptions{
		PropagationPolicy: &propagation,
		Preconditions:     &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return objectError(it.ref, "delete to replace ("+fieldsImmutable(imm)+")", err)
	}
	deleted := ChangeSetEntry{Ref: it.ref, Subject: it.ref.String(), Action: ActionDeleted, UID: uid}
	if err := c.WaitGone(ctx, []ChangeSetEntry{deleted}, WaitOptions{Timeout: opts.ReplaceTimeout}); err != nil {
		return &ObjectError{Ref: it.ref, Err: fmt.Errorf("replace (%s): %w", fieldsImmutable(imm), err)}
	}
	out, err := client.Patch(ctx, it.ref.Name, types.ApplyPatchType, config,
		metav1.PatchOptions{FieldManager: FieldManager, Force: &opts.Force})
	if err != nil {
		return objectError(it.ref, "create again after deleting it to replace it", err)
	}
	it.setApplied(ActionReplaced, fieldsImmutable(imm), out, config, false)
	return nil
}
