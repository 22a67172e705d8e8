package render

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// NewLookupFunc returns a lookup function backed by a cluster: it maps
// apiVersion and kind to a resource with mapper and reads it with client.
// A missing object (or type) renders as an empty map, so that templates can
// test `if not (lookup ...)`; other errors fail the render. ctx bounds
// every request.
func NewLookupFunc(ctx context.Context, client dynamic.Interface, mapper meta.RESTMapper) LookupFunc {
	return func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			return map[string]any{}, fmt.Errorf("lookup %s %s: %w", apiVersion, kind, err)
		}
		mapping, err := mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: kind}, gv.Version)
		if err != nil {
			if meta.IsNoMatchError(err) {
				return map[string]any{}, nil
			}
			return map[string]any{}, fmt.Errorf("lookup %s %s: %w", apiVersion, kind, err)
		}
		var res dynamic.ResourceInterface = client.Resource(mapping.Resource)
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace && namespace != "" {
			res = client.Resource(mapping.Resource).Namespace(namespace)
		}
		if name != "" {
			obj, err := res.Get(ctx, name, metav1.GetOptions{})
			return lookupResult(obj.UnstructuredContent, err, kind, namespace, name)
		}
		list, err := res.List(ctx, metav1.ListOptions{})
		return lookupResult(list.UnstructuredContent, err, kind, namespace, "")
	}
}

func lookupResult(content func() map[string]any, err error, kind, namespace, name string) (map[string]any, error) {
	if apierrors.IsNotFound(err) {
		return map[string]any{}, nil
	}
	if err != nil {
		return map[string]any{}, fmt.Errorf("lookup %s/%s/%s: %w", kind, namespace, name, err)
	}
	return content(), nil
}
