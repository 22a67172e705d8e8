package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ObjectRef identifies one Kubernetes object: its group, version and kind,
// its namespace (empty for cluster-scoped objects) and its name. Prune and
// Delete take refs, so that objects recorded in a release can be removed
// without their full manifests.
type ObjectRef struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf returns the ref of obj as it is written, namespace included.
func RefOf(obj *unstructured.Unstructured) ObjectRef {
	gvk := obj.GroupVersionKind()
	return ObjectRef{
		Group:     gvk.Group,
		Version:   gvk.Version,
		Kind:      gvk.Kind,
		Namespace: obj.GetNamespace(),
		Name:      obj.GetName(),
	}
}

// RefsOf returns the refs of objs, in order.
func RefsOf(objs []*unstructured.Unstructured) []ObjectRef {
	refs := make([]ObjectRef, len(objs))
	for i, obj := range objs {
		refs[i] = RefOf(obj)
	}
	return refs
}

// Flatten returns objs with every list (kind List, ConfigMapList, ...: an
// object with an items array) replaced by its items, recursively, as
// kubectl and Helm do. Items without apiVersion or kind get the list's
// apiVersion and its kind without the List suffix. Other objects are
// returned as they are; objs are not modified.
func Flatten(objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		if !obj.IsList() {
			out = append(out, obj)
			continue
		}
		var items []*unstructured.Unstructured
		err := obj.EachListItem(func(item runtime.Object) error {
			child, ok := item.(*unstructured.Unstructured)
			if !ok {
				return fmt.Errorf("item of type %T", item)
			}
			u := child.DeepCopy()
			if u.GetAPIVersion() == "" {
				u.SetAPIVersion(obj.GetAPIVersion())
			}
			if u.GetKind() == "" {
				u.SetKind(strings.TrimSuffix(obj.GetKind(), "List"))
			}
			items = append(items, u)
			return nil
		})
		if err != nil {
			return nil, &ObjectError{Ref: RefOf(obj), Err: fmt.Errorf("read list items: %w", err)}
		}
		flat, err := Flatten(items)
		if err != nil {
			return nil, err
		}
		out = append(out, flat...)
	}
	return out, nil
}

// String returns Kind/namespace/name, or Kind/name for cluster-scoped
// objects: the subject every message about the object starts with. A
// missing name reads "(unnamed)".
func (r ObjectRef) String() string {
	name := r.Name
	if name == "" {
		name = "(unnamed)"
	}
	if r.Namespace == "" {
		return r.Kind + "/" + name
	}
	return r.Kind + "/" + r.Namespace + "/" + name
}

// GroupKind returns the ref's group and kind.
func (r ObjectRef) GroupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.Group, Kind: r.Kind}
}

// GroupVersionKind returns the ref's group, version and kind.
func (r ObjectRef) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// identity is the ref without its version: two refs with the same identity
// name the same object whichever version they were written in.
func (r ObjectRef) identity() ObjectRef {
	r.Version = ""
	return r
}
