package kube

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// minListGroup is how many objects of one resource in one namespace make
// preflight read them with one metadata-only LIST instead of a GET each:
// a 1000-object release then costs a handful of reads, not 1000.
const minListGroup = 8

// listPageSize bounds each page of the preflight LIST.
const listPageSize = 500

// listGroup is the objects of one resource in one namespace.
type listGroup struct {
	resource  schema.GroupVersionResource
	namespace string
	items     []*applyItem
}

// preflight reads every resolved object and checks its owner, so that
// Apply refuses before changing anything. Large groups of one resource in
// one namespace are read with one LIST: metadata only (ownership,
// resourceVersion and managed fields are metadata), or whole objects for
// dry runs, whose change detection compares whole objects. When that LIST
// fails (e.g. a user who may get but not list), each object is read with
// a GET.
func (c *Client) preflight(ctx context.Context, items []*applyItem, opts ApplyOptions) error {
	var single []*applyItem
	var groups []*listGroup
	if !opts.DryRun && c.metadata == nil {
		single = items
	} else {
		single, groups = groupForList(items)
	}
	var listed []*applyItem
	for _, g := range groups {
		list := c.listMetadata
		if opts.DryRun {
			list = c.listObjects
		}
		if err := list(ctx, g); err != nil {
			single = append(single, g.items...)
			continue
		}
		listed = append(listed, g.items...)
	}
	err := forEach(ctx, single, opts.concurrency(), func(ctx context.Context, it *applyItem) error {
		if it.mapping == nil {
			return nil
		}
		return c.fetch(ctx, it, opts)
	})
	errs := []error{err}
	for _, it := range listed {
		errs = append(errs, it.checkOwner(opts))
	}
	return errors.Join(errs...)
}

// groupForList splits items into those read one by one and the groups
// large enough to list.
func groupForList(items []*applyItem) ([]*applyItem, []*listGroup) {
	type key struct {
		resource  schema.GroupVersionResource
		namespace string
	}
	byKey := map[key]*listGroup{}
	var order []*listGroup
	for _, it := range items {
		if it.mapping == nil {
			continue
		}
		k := key{it.mapping.Resource, it.ref.Namespace}
		g := byKey[k]
		if g == nil {
			g = &listGroup{resource: k.resource, namespace: k.namespace}
			byKey[k] = g
			order = append(order, g)
		}
		g.items = append(g.items, it)
	}
	var single []*applyItem
	var groups []*listGroup
	for _, g := range order {
		if len(g.items) < minListGroup {
			single = append(single, g.items...)
			continue
		}
		groups = append(groups, g)
	}
	return single, groups
}

// listMetadata lists g's resource in g's namespace, metadata only, and
// sets each item's live object (nil when absent). It changes nothing when
// the LIST fails.
func (c *Client) listMetadata(ctx context.Context, g *listGroup) error {
	client := c.metadata.Resource(g.resource)
	return listPages(g, func(opts metav1.ListOptions, add func(string, listed)) (string, error) {
		var list *metav1.PartialObjectMetadataList
		var err error
		if g.namespace != "" {
			list, err = client.Namespace(g.namespace).List(ctx, opts)
		} else {
			list, err = client.List(ctx, opts)
		}
		if err != nil {
			return "", err
		}
		for i := range list.Items {
			add(list.Items[i].Name, listed{metadataObject(&list.Items[i]), list.Items[i].ManagedFields})
		}
		return list.Continue, nil
	})
}

// listObjects lists g's resource in g's namespace, whole objects, and sets
// each item's live object (nil when absent). It changes nothing when the
// LIST fails.
func (c *Client) listObjects(ctx context.Context, g *listGroup) error {
	var client dynamic.ResourceInterface = c.dynamic.Resource(g.resource)
	if g.namespace != "" {
		client = c.dynamic.Resource(g.resource).Namespace(g.namespace)
	}
	return listPages(g, func(opts metav1.ListOptions, add func(string, listed)) (string, error) {
		list, err := client.List(ctx, opts)
		if err != nil {
			return "", err
		}
		for i := range list.Items {
			obj := &list.Items[i]
			add(obj.GetName(), listed{obj, obj.GetManagedFields()})
		}
		return list.GetContinue(), nil
	})
}

// listed is what a preflight LIST tells of one object.
type listed struct {
	live   *unstructured.Unstructured
	fields []metav1.ManagedFieldsEntry
}

// listPages reads g page by page with page, which lists one page, adds
// its objects by name and returns the continue token, then sets each
// item's live object (nil when absent). It changes nothing when a page
// fails.
func listPages(g *listGroup, page func(metav1.ListOptions, func(string, listed)) (string, error)) error {
	found := map[string]listed{}
	add := func(name string, l listed) { found[name] = l }
	opts := metav1.ListOptions{Limit: listPageSize}
	for {
		next, err := page(opts, add)
		if err != nil {
			return fmt.Errorf("list %s in %q: %w", g.resource, g.namespace, err)
		}
		if next == "" {
			break
		}
		opts.Continue = next
	}
	for _, it := range g.items {
		l := found[it.ref.Name]
		it.live, it.liveFields, it.fetched = l.live, l.fields, true
	}
	return nil
}

// metadataObject is an unstructured object holding only m's metadata:
// what the owner check and change detection of Apply read.
func metadataObject(m *metav1.PartialObjectMetadata) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetName(m.Name)
	u.SetNamespace(m.Namespace)
	u.SetResourceVersion(m.ResourceVersion)
	u.SetGeneration(m.Generation)
	u.SetUID(m.UID)
	u.SetLabels(m.Labels)
	u.SetAnnotations(m.Annotations)
	return u
}
