package kube_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// TestDelete applies a release's worth of kinds and deletes them given in
// install order: Delete goes in reverse, webhooks first, namespaced objects
// by Helm's uninstall order, then cluster-scoped ones, Namespaces and CRDs.
func TestDelete(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	crd, _ := widgetCRD(t, ns)
	extraNS := ns + "-extra"
	deleteAfter(t, dyn, crds, crd.GetName())
	deleteAfter(t, dyn, namespaces, extraNS)
	deleteAfter(t, dyn, clusterRoles, ns+"-reader")
	deleteAfter(t, dyn, schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}, ns+"-hook")
	objs := objects(t, `
apiVersion: v1
kind: Namespace
metadata: {name: `+extraNS+`}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: `+ns+`-reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: `+ns+`-hook}
webhooks: []
`)
	objs = append(objs, crd, widget(t, ns, "small", "S"))
	owner := kube.Owner{Name: "web", Namespace: ns}
	if _, err := c.Apply(t.Context(), objs, kube.ApplyOptions{Namespace: ns, Owner: owner}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	refs := kube.RefsOf(objs)
	refs = append(refs, kube.ObjectRef{Group: "nowhere.berth.sh", Version: "v1", Kind: "Gadget", Name: "g"})
	cs, err := c.Delete(t.Context(), refs, kube.DeleteOptions{Namespace: ns, Owner: owner})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	want := []string{
		"ValidatingWebhookConfiguration/" + ns + "-hook deleted",
		"Service/" + ns + "/web deleted",
		"Role/" + ns + "/reader deleted",
		"ConfigMap/" + ns + "/settings deleted",
		"Widget/" + ns + "/small deleted",
		"ClusterRole/" + ns + "-reader deleted",
		"Gadget/g skipped (kind not served by the cluster)",
		"Namespace/" + extraNS + " deleted",
		"CustomResourceDefinition/" + crd.GetName() + " deleted",
	}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	if getOrNil(t, dyn, configMaps, ns, "settings") != nil {
		t.Error("ConfigMap settings still exists after Delete")
	}
	// Deleting again finds nothing left to delete.
	cs, err = c.Delete(t.Context(), kube.RefsOf([]*unstructured.Unstructured{objs[1]}), kube.DeleteOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if diff := cmp.Diff([]string{"ConfigMap/" + ns + "/settings skipped (not found)"}, entries(cs)); diff != "" {
		t.Errorf("second change set (-want +got):\n%s", diff)
	}
}

// TestDeletePropagation checks that the propagation policy reaches the API
// server: without a garbage collector in the test cluster, a foreground
// deletion leaves the object waiting on its foregroundDeletion finalizer,
// a background one removes it.
func TestDeletePropagation(t *testing.T) {
	tests := []struct {
		name        string
		propagation metav1.DeletionPropagation
		wantExists  bool
	}{
		{name: "default is background"},
		{name: "foreground", propagation: metav1.DeletePropagationForeground, wantExists: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			c, dyn := newClient(t)
			objs := []*unstructured.Unstructured{configMap("", "settings", nil)}
			if _, err := c.Apply(t.Context(), objs, kube.ApplyOptions{Namespace: ns}); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			_, err := c.Delete(t.Context(), kube.RefsOf(objs), kube.DeleteOptions{Namespace: ns, Propagation: tt.propagation})
			if err != nil {
				t.Fatalf("Delete: %v", err)
			}
			live := getOrNil(t, dyn, configMaps, ns, "settings")
			if (live != nil) != tt.wantExists {
				t.Fatalf("ConfigMap exists after Delete = %v, want %v", live != nil, tt.wantExists)
			}
			if live != nil && !slices.Contains(live.GetFinalizers(), metav1.FinalizerDeleteDependents) {
				t.Errorf("finalizers = %v, want %s", live.GetFinalizers(), metav1.FinalizerDeleteDependents)
			}
		})
	}
}
