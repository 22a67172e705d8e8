package kube_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

func TestLookup(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	configmaps := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	for _, name := range []string{"a", "b"} {
		cm := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+name+"}\ndata: {k: v-"+name+"}\n")
		if _, err := dyn.Resource(configmaps).Namespace(ns).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name                          string
		apiVersion, kind, ns, objName string
		path                          []string
		want                          any
	}{
		{"namespaced object", "v1", "ConfigMap", ns, "a", []string{"data", "k"}, "v-a"},
		{"missing object is empty", "v1", "ConfigMap", ns, "nope", []string{"data"}, nil},
		{"cluster-scoped object ignores the namespace", "v1", "Namespace", "elsewhere", ns, []string{"metadata", "name"}, ns},
		{"a kind the cluster does not serve is empty", "example.com/v1", "Widget", ns, "w", []string{"metadata"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Lookup(t.Context(), tt.apiVersion, tt.kind, tt.ns, tt.objName)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("lookup returned nil, want a map")
			}
			v, _, _ := unstructured.NestedFieldNoCopy(got, tt.path...)
			if diff := cmp.Diff(tt.want, v); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	list, err := c.Lookup(t.Context(), "v1", "ConfigMap", ns, "")
	if err != nil {
		t.Fatal(err)
	}
	items, _, _ := unstructured.NestedSlice(list, "items")
	var names []string
	for _, it := range items {
		names = append(names, it.(map[string]any)["metadata"].(map[string]any)["name"].(string))
	}
	slices.Sort(names)
	// kube-root-ca.crt is made in every namespace by the controller
	// manager, which envtest does not run.
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

func TestLookupForbidden(t *testing.T) {
	ns := testenv.Namespace(t)
	cfg := testenv.Config(t)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "nobody"}
	c, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Lookup(t.Context(), "v1", "Secret", ns, "db")
	if err == nil || !strings.Contains(err.Error(), "lookup Secret/"+ns+"/db") || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("err = %v, want a forbidden error naming Secret/%s/db", err, ns)
	}
}

func TestServerAPIs(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	apis, err := c.ServerAPIs()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(apis.GitVersion, "v1.") {
		t.Errorf("GitVersion %q", apis.GitVersion)
	}
	for _, want := range []string{"v1", "apps/v1", "apps/v1/Deployment", "v1/ConfigMap"} {
		if !slices.Contains(apis.APIVersions, want) {
			t.Errorf("APIVersions lack %q", want)
		}
	}
	if !slices.IsSorted(apis.APIVersions) {
		t.Error("APIVersions are not sorted")
	}
	// A CRD applied by this client is served at once: applying it waits
	// until it is established and resets the discovery cache.
	crd, _ := widgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{crd}, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	if apis, err = c.ServerAPIs(); err != nil {
		t.Fatal(err)
	}
	if want := ns + ".test.berth.sh/v1/Widget"; !slices.Contains(apis.APIVersions, want) {
		t.Errorf("after applying its CRD, APIVersions lack %q", want)
	}
}
