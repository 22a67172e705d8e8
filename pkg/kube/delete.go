package kube

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// DeleteOptions tune Delete and Prune.
type DeleteOptions struct {
	// Namespace is given to refs of namespaced objects that have none.
	Namespace string
	// Owner, when set, limits deletion to objects of that release: others
	// are skipped.
	Owner Owner
	// Propagation is the deletion propagation policy; empty is Background.
	Propagation metav1.DeletionPropagation
	// DryRun deletes with server-side dry run: nothing is removed.
	DryRun bool
	// Concurrency bounds the objects deleted at once; 0 is
	// DefaultConcurrency.
	Concurrency int
}

func (o DeleteOptions) concurrency() int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return DefaultConcurrency
}

// deleteItem is one object on its way through Delete.
type deleteItem struct {
	ref          ObjectRef
	mapping      *meta.RESTMapping // nil when the kind is not served
	resolveErr   error             // why the kind did not resolve, unless not served
	isNamespaced bool
	entry        ChangeSetEntry
}

func (it *deleteItem) waveKey() waveKey {
	return waveKey{stage: stageOf(it.ref.GroupKind(), it.isNamespaced), kind: it.ref.Kind}
}

// Delete deletes the objects of refs in reverse install order: webhook
// configurations and APIServices, namespaced objects in Helm's uninstall
// kind order, other cluster-scoped objects, Namespaces, and CRDs last. It
// skips objects that are gone or whose kind is not served, objects
// annotated helm.sh/resource-policy: keep, and objects of another release
// when opts.Owner is set. CRDs in refs are deleted, with their custom
// resources: callers leave out the CRDs of a chart's crds/ directory, which
// Helm never deletes.
//
// Delete goes on after errors and returns them joined, with the change set
// of everything it did.
func (c *Client) Delete(ctx context.Context, refs []ObjectRef, opts DeleteOptions) (*ChangeSet, error) {
	return c.deleteItems(ctx, c.resolveRefs(refs, opts.Namespace), opts)
}

// deleteItems deletes items wave by wave in uninstall order.
func (c *Client) deleteItems(ctx context.Context, items []*deleteItem, opts DeleteOptions) (*ChangeSet, error) {
	cs := &ChangeSet{}
	var errs []error
	for _, wave := range planWaves(items, (*deleteItem).waveKey, uninstallStages, uninstallOrder) {
		err := forEach(ctx, wave, opts.concurrency(), func(ctx context.Context, it *deleteItem) error {
			return c.deleteOne(ctx, it, opts)
		})
		for _, it := range wave {
			if it.entry.Action != "" {
				cs.Add(it.entry)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return cs, errors.Join(errs...)
}

// resolveRefs resolves the kinds of refs and defaults their namespaces. When
// a kind does not resolve, the discovery cache may predate its CRD: it is
// reset once and the unresolved refs tried again.
func (c *Client) resolveRefs(refs []ObjectRef, namespace string) []*deleteItem {
	items := make([]*deleteItem, len(refs))
	unresolved := false
	for i, ref := range refs {
		items[i] = c.resolveRef(ref, namespace)
		unresolved = unresolved || items[i].mapping == nil
	}
	if !unresolved {
		return items
	}
	c.mapper.Reset()
	for i, it := range items {
		if it.mapping == nil {
			items[i] = c.resolveRef(refs[i], namespace)
		}
	}
	return items
}

// resolveRef resolves ref's kind and defaults its namespace. A kind that
// does not resolve leaves the mapping nil and the ref as given.
func (c *Client) resolveRef(ref ObjectRef, namespace string) *deleteItem {
	it := &deleteItem{ref: ref, isNamespaced: ref.Namespace != ""}
	mapping, err := c.anyMapping(ref)
	if err != nil {
		if !meta.IsNoMatchError(err) {
			it.resolveErr = err
		}
		return it
	}
	it.mapping, it.isNamespaced = mapping, namespaced(mapping)
	switch {
	case !it.isNamespaced:
		it.ref.Namespace = ""
	case it.ref.Namespace == "":
		it.ref.Namespace = namespace
	}
	return it
}

func (c *Client) deleteOne(ctx context.Context, it *deleteItem, opts DeleteOptions) error {
	if it.resolveErr != nil {
		return objectError(it.ref, "resolve kind", it.resolveErr)
	}
	if it.mapping == nil {
		it.entry = newEntry(it.ref, ActionSkipped, "kind not served by the cluster")
		return nil
	}
	client := c.resource(it.mapping, it.ref.Namespace)
	live, err := client.Get(ctx, it.ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		it.entry = newEntry(it.ref, ActionSkipped, "not found")
		return nil
	}
	if err != nil {
		return objectError(it.ref, "read before delete", err)
	}
	if reason := keepReason(live, opts.Owner); reason != "" {
		it.entry = newEntry(it.ref, ActionSkipped, reason)
		return nil
	}
	err = client.Delete(ctx, it.ref.Name, deleteOptions(live, opts))
	switch {
	case apierrors.IsNotFound(err):
		it.entry = newEntry(it.ref, ActionSkipped, "not found")
	case err != nil:
		return objectError(it.ref, "delete", err)
	default:
		it.entry = newEntry(it.ref, ActionDeleted, "")
		it.entry.UID = live.GetUID()
	}
	return nil
}

// keepReason says why live must not be deleted, or "" when it may be.
func keepReason(live *unstructured.Unstructured, owner Owner) string {
	if keepPolicy(live) {
		return fmt.Sprintf("annotation %s: %s", AnnotationResourcePolicy, ResourcePolicyKeep)
	}
	if checkOwner(live, owner) == nil {
		return ""
	}
	if got, ok := ownerOf(live); ok {
		return "owned by release " + got.String()
	}
	return "not managed by berth"
}

// deleteOptions deletes exactly the object read (UID precondition), not one
// recreated under its name since.
func deleteOptions(live *unstructured.Unstructured, opts DeleteOptions) metav1.DeleteOptions {
	propagation := opts.Propagation
	if propagation == "" {
		propagation = metav1.DeletePropagationBackground
	}
	uid := live.GetUID()
	del := metav1.DeleteOptions{
		PropagationPolicy: &propagation,
		Preconditions:     &metav1.Preconditions{UID: &uid},
	}
	if opts.DryRun {
		del.DryRun = []string{metav1.DryRunAll}
	}
	return del
}
