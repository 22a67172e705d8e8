package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

var (
	namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	crds       = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// newClient returns a kube.Client and a plain dynamic client for the test
// API server.
func newClient(t *testing.T) (*kube.Client, dynamic.Interface) {
	t.Helper()
	cfg := testenv.Config(t)
	c, err := kube.New(cfg)
	if err != nil {
		t.Fatalf("kube.New: %v", err)
	}
	return c, dynamic.NewForConfigOrDie(cfg)
}

// object parses one YAML manifest.
func object(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		t.Fatalf("parse manifest: %v\n%s", err, manifest)
	}
	return obj
}

// objects parses manifests separated by "---".
func objects(t *testing.T, manifests string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(manifests, "\n---\n") {
		if strings.TrimSpace(doc) != "" {
			objs = append(objs, object(t, doc))
		}
	}
	return objs
}

// entries returns the change set as "Subject action (reason)" lines.
func entries(cs *kube.ChangeSet) []string {
	if cs == nil {
		return nil
	}
	var lines []string
	for _, e := range cs.Entries {
		lines = append(lines, e.String())
	}
	return lines
}

// getOrNil reads an object, nil when it does not exist.
func getOrNil(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	t.Helper()
	var client dynamic.ResourceInterface = dyn.Resource(gvr)
	if ns != "" {
		client = dyn.Resource(gvr).Namespace(ns)
	}
	obj, err := client.Get(t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("get %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
	return obj
}

// deleteAfter deletes a cluster-scoped object when the test ends.
func deleteAfter(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, name string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := dyn.Resource(gvr).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("cleanup: delete %s %s: %v", gvr.Resource, name, err)
		}
	})
}

// widgetCRD returns a namespaced CRD for kind Widget in a group unique to
// ns, so tests never share a CRD.
func widgetCRD(t *testing.T, ns string) (*unstructured.Unstructured, schema.GroupVersionResource) {
	t.Helper()
	group := ns + ".test.berth.sh"
	crd := object(t, `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.`+group+`
spec:
  group: `+group+`
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: string}
`)
	return crd, schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widgets"}
}

// widget returns a Widget of widgetCRD's group without a namespace.
func widget(t *testing.T, ns, name, size string) *unstructured.Unstructured {
	t.Helper()
	return object(t, `
apiVersion: `+ns+`.test.berth.sh/v1
kind: Widget
metadata:
  name: `+name+`
spec:
  size: `+size+`
`)
}
