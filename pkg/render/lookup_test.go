package render

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

func lookupFixture(t *testing.T) (LookupFunc, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "cm", "namespace": "ns"},
		"data":     map[string]any{"k": "v"},
	}}
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "ns"},
	}}
	cmGVR := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	nsGVR := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{cmGVR: "ConfigMapList", nsGVR: "NamespaceList"}, cm, ns)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	return NewLookupFunc(context.Background(), client, mapper), client
}

func TestLookupFunc(t *testing.T) {
	lookup, _ := lookupFixture(t)
	tests := []struct {
		name                          string
		apiVersion, kind, ns, objName string
		want                          any
	}{
		{"namespaced object", "v1", "ConfigMap", "ns", "cm", "v"},
		{"missing object is empty", "v1", "ConfigMap", "ns", "nope", nil},
		{"cluster object ignores the namespace", "v1", "Namespace", "other", "ns", "ns"},
		{"unknown kind is empty", "example.com/v1", "Widget", "ns", "w", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookup(tt.apiVersion, tt.kind, tt.ns, tt.objName)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			switch tt.kind {
			case "ConfigMap":
				v, _, _ = unstructured.NestedFieldNoCopy(got, "data", "k")
			default:
				v, _, _ = unstructured.NestedFieldNoCopy(got, "metadata", "name")
			}
			if diff := cmp.Diff(tt.want, v); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got == nil {
				t.Error("lookup returned nil, want a map")
			}
		})
	}
}

func TestLookupFuncList(t *testing.T) {
	lookup, _ := lookupFixture(t)
	got, err := lookup("v1", "ConfigMap", "ns", "")
	if err != nil {
		t.Fatal(err)
	}
	items, _, _ := unstructured.NestedSlice(got, "items")
	if len(items) != 1 {
		t.Errorf("list has %d items, want 1: %v", len(items), got)
	}
}

func TestLookupFuncError(t *testing.T) {
	lookup, client := lookupFixture(t)
	client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("forbidden by test")
	})
	if _, err := lookup("v1", "ConfigMap", "ns", "cm"); err == nil || err.Error() != "lookup ConfigMap/ns/cm: forbidden by test" {
		t.Errorf("error = %v", err)
	}
}
