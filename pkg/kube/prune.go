package kube

import "context"

// Prune deletes the objects of previous that current no longer has, as
// Delete does: in reverse install order, skipping objects annotated
// helm.sh/resource-policy: keep and, when opts.Owner is set, objects no
// longer owned by that release. Refs are matched by group, kind, namespace
// (defaulted to opts.Namespace for namespaced kinds) and name, whatever
// their version. Call it only after a successful apply.
func (c *Client) Prune(ctx context.Context, previous, current []ObjectRef, opts DeleteOptions) (*ChangeSet, error) {
	keep := map[ObjectRef]bool{}
	for _, it := range c.resolveRefs(current, opts.Namespace) {
		keep[it.ref.identity()] = true
	}
	var stale []*deleteItem
	for _, it := range c.resolveRefs(previous, opts.Namespace) {
		id := it.ref.identity()
		if keep[id] {
			continue
		}
		keep[id] = true // delete each object once
		stale = append(stale, it)
	}
	return c.deleteItems(ctx, stale, opts)
}
