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
	for _, ref := range current {
		keep[c.normalize(ref, opts.Namespace).identity()] = true
	}
	var stale []ObjectRef
	for _, ref := range previous {
		id := c.normalize(ref, opts.Namespace).identity()
		if keep[id] {
			continue
		}
		keep[id] = true // delete each object once
		stale = append(stale, ref)
	}
	return c.Delete(ctx, stale, opts)
}

// normalize defaults ref's namespace by its kind's scope: namespace for
// namespaced kinds without one, none for cluster-scoped kinds. Refs of kinds
// the server does not serve are returned as given.
func (c *Client) normalize(ref ObjectRef, namespace string) ObjectRef {
	mapping, err := c.anyMapping(ref)
	switch {
	case err != nil:
	case !namespaced(mapping):
		ref.Namespace = ""
	case ref.Namespace == "":
		ref.Namespace = namespace
	}
	return ref
}
