package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Lookup is the template function lookup against the cluster, as Helm's:
// the object apiVersion/kind namespace/name as a map, or with an empty
// name the list of all such objects (in namespace, or everywhere when it
// is empty or the kind is cluster-scoped). An object that does not exist
// is an empty map, so that templates can test `if not (lookup ...)`; so is
// a kind the cluster does not serve (where Helm fails the render). Other
// errors, such as a forbidden read, are returned naming the object.
func (c *Client) Lookup(ctx context.Context, apiVersion, kind, namespace, name string) (map[string]any, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return map[string]any{}, fmt.Errorf("lookup %s %s: %w", apiVersion, kind, err)
	}
	mapping, err := c.mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: kind}, gv.Version)
	if meta.IsNoMatchError(err) {
		return map[string]any{}, nil
	}
	if err != nil {
		return map[string]any{}, fmt.Errorf("lookup %s %s: %w", apiVersion, kind, err)
	}
	var res dynamic.ResourceInterface = c.dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace && namespace != "" {
		res = c.dynamic.Resource(mapping.Resource).Namespace(namespace)
	}
	if name != "" {
		obj, err := res.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return lookupError(err, kind, namespace, name)
		}
		return obj.UnstructuredContent(), nil
	}
	list, err := res.List(ctx, metav1.ListOptions{})
	if err != nil {
		return lookupError(err, kind, namespace, "")
	}
	return list.UnstructuredContent(), nil
}

func lookupError(err error, kind, namespace, name string) (map[string]any, error) {
	if apierrors.IsNotFound(err) {
		return map[string]any{}, nil
	}
	return map[string]any{}, fmt.Errorf("lookup %s/%s/%s: %w", kind, namespace, name, err)
}
