package migrate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/helmbin"
)

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1alpha1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}
`

var crds = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// served reports whether the API server's discovery lists version of
// example.com.
func served(t *testing.T, version string) bool {
	t.Helper()
	d, err := discovery.NewDiscoveryClientForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ServerResourcesForGroupVersion("example.com/" + version)
	return err == nil
}

func waitServed(t *testing.T, version string, want bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); served(t, version) != want; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("example.com/%s served=%v after 30s, want %v", version, !want, want)
		}
	}
}

// TestImportRewritesUnservedAPIs installs a custom resource in a version
// the cluster then stops serving: import rewrites the stored manifests to
// the served version, reports it, and moves ownership all the same.
func TestImportRewritesUnservedAPIs(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t)
	dyn, err := dynamic.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(widgetCRD), &crd.Object); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := dyn.Resource(crds).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitServed(t, "v1alpha1", true)
	chart := helmbin.WriteChart(t, map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: widgets\nversion: 1.0.0\n",
		"templates/widget.yaml": "apiVersion: example.com/v1alpha1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n",
	})
	helmbin.V4(t, kubeconfig).Run(t, "install", "web", chart, "-n", ns)

	live, err := dyn.Resource(crds).Get(ctx, "widgets.example.com", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	versions, _, _ := unstructured.NestedSlice(live.Object, "spec", "versions")
	versions[0].(map[string]any)["served"] = false
	if err := unstructured.SetNestedSlice(live.Object, versions, "spec", "versions"); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(crds).Update(ctx, live, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitServed(t, "v1alpha1", false)

	out := mustBerth(t, kubeconfig, "import", "helm", "web", "-n", ns)
	for _, want := range []string{
		"web: revision 1: Widget/w: API version example.com/v1alpha1 rewritten to example.com/v1",
		"imported; the next apply changes nothing",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	if manifest := mustBerth(t, kubeconfig, "get", "manifest", "web", "-n", ns); !strings.Contains(manifest, "apiVersion: example.com/v1\n") {
		t.Errorf("stored manifest not rewritten:\n%s", manifest)
	}
	w, err := dyn.Resource(schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}).Namespace(ns).
		Get(ctx, "w", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The patch that moves the fields also adds berth's annotations, which
	// the API server records as berth's Update.
	if got := managers(w); strings.Join(got, " ") != "berth/Apply berth/Update" {
		t.Errorf("Widget managers after the import: %v, want berth/Apply berth/Update", got)
	}
	mustBerth(t, kubeconfig, "drift", "web", "-n", ns)
}
