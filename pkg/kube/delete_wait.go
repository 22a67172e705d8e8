package kube

import (
	"context"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// WaitGone waits until the objects that entries deleted (ActionDeleted,
// other entries are ignored) are gone: not found, or replaced by another
// object of the same name (another UID). A deleted object stays while
// finalizers hold it, or, with foreground propagation, until the garbage
// collector deleted its dependents. It reports each object's state through
// opts.OnStatus (Terminating, then Current "deleted") and returns a
// *WaitError naming the objects left, with their finalizers, at
// opts.Timeout or when ctx ends.
func (c *Client) WaitGone(ctx context.Context, entries []ChangeSetEntry, opts WaitOptions) error {
	var targets []*waitTarget
	groups := watchGroups{}
	for _, e := range entries {
		if e.Action != ActionDeleted {
			continue
		}
		mapping, err := c.anyMapping(e.Ref)
		if err != nil {
			return objectError(e.Ref, "resolve kind to wait for its deletion", err)
		}
		if groups.add(mapping, e.Ref, len(targets)) {
			targets = append(targets, &waitTarget{ref: e.Ref, gone: true, uid: string(e.UID)})
		}
	}
	if len(targets) == 0 {
		return nil
	}
	return c.await(ctx, groups.list(), targets, opts)
}

// goneStatus is the state of obj, the live object of t, a deleted object
// awaited until it is gone.
func goneStatus(t *waitTarget, obj *unstructured.Unstructured) ObjectStatus {
	st := ObjectStatus{Ref: t.ref, Status: StatusCurrent, Message: "deleted"}
	switch {
	case obj == nil, t.uid != "" && string(obj.GetUID()) != t.uid:
		return st
	case obj.GetDeletionTimestamp() == nil:
		st.Status, st.Message = StatusInProgress, "not deleted yet"
	case len(obj.GetFinalizers()) > 0:
		st.Status, st.Message = StatusTerminating, "waiting for finalizers "+strings.Join(obj.GetFinalizers(), ", ")
	default:
		st.Status, st.Message = StatusTerminating, "being deleted"
	}
	return st
}
