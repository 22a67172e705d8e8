package kube_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

var (
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	jobs        = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	pods        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// stepTimeout bounds each step of a test waiting for Wait; reaching it is
// a failure.
const stepTimeout = 30 * time.Second

// asyncWait is a Wait running in the background: its statuses as they
// are reported, then its result.
type asyncWait struct {
	statuses chan kube.ObjectStatus
	done     chan error
}

// startWait applies objs and waits for them in the background.
func startWait(t *testing.T, c *kube.Client, ns string, objs []*unstructured.Unstructured, opts kube.WaitOptions) *asyncWait {
	t.Helper()
	cs, err := c.Apply(t.Context(), objs, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	w := &asyncWait{statuses: make(chan kube.ObjectStatus, 100), done: make(chan error, 1)}
	opts.OnStatus = func(st kube.ObjectStatus) { w.statuses <- st }
	go func() { w.done <- c.Wait(t.Context(), cs.Entries, opts) }()
	return w
}

// next returns the next status reported, failing the test if Wait ends
// first.
func (w *asyncWait) next(t *testing.T) kube.ObjectStatus {
	t.Helper()
	select {
	case st := <-w.statuses:
		return st
	case err := <-w.done:
		// Statuses reported before Wait returned come first.
		w.done <- err
		select {
		case st := <-w.statuses:
			return st
		default:
		}
		t.Fatalf("Wait ended with %v before reporting another status", err)
	case <-time.After(stepTimeout):
		t.Fatalf("no status reported within %s", stepTimeout)
	}
	return kube.ObjectStatus{}
}

// result returns what Wait returned, once every status it reported was
// read.
func (w *asyncWait) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-w.done:
		if len(w.statuses) > 0 {
			t.Errorf("unread status after Wait returned: %v", <-w.statuses)
		}
		return err
	case <-time.After(stepTimeout):
		t.Fatalf("Wait did not return within %s", stepTimeout)
	}
	return nil
}

// writeStatus plays the controller: it replaces the status of an object
// through the status subresource.
func writeStatus(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string, status map[string]any) {
	t.Helper()
	obj := getOrNil(t, dyn, gvr, ns, name)
	if obj == nil {
		t.Fatalf("write status: %s %s/%s not found", gvr.Resource, ns, name)
	}
	obj.Object["status"] = status
	if _, err := dyn.Resource(gvr).Namespace(ns).UpdateStatus(t.Context(), obj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write status of %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
}

func deployment(t *testing.T, name string, replicas int) *unstructured.Unstructured {
	t.Helper()
	obj := object(t, `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: `+name+`
spec:
  selector: {matchLabels: {app: `+name+`}}
  template:
    metadata: {labels: {app: `+name+`}}
    spec:
      containers: [{name: main, image: example.com/web:1}]
`)
	if err := unstructured.SetNestedField(obj.Object, int64(replicas), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	return obj
}

// deploymentStatus is the status of a Deployment of generation 1 with
// available of want replicas available.
func deploymentStatus(want, available int64) map[string]any {
	status := map[string]any{
		"observedGeneration": int64(1), "replicas": want, "updatedReplicas": want,
		"readyReplicas": available, "availableReplicas": available,
		"conditions": []any{map[string]any{
			"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
		}},
	}
	if available == want {
		status["conditions"] = append(status["conditions"].([]any), map[string]any{"type": "Available", "status": "True"})
	}
	return status
}

func TestWaitDeploymentBecomesAvailable(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	w := startWait(t, c, ns, []*unstructured.Unstructured{deployment(t, "web", 2)}, kube.WaitOptions{Timeout: time.Minute})
	first := w.next(t)
	want := kube.ObjectStatus{
		Ref:    kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: ns, Name: "web"},
		Status: kube.StatusInProgress, Message: "waiting for the controller to observe generation 1",
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first status (-want +got):\n%s", diff)
	}
	writeStatus(t, dyn, deployments, ns, "web", deploymentStatus(2, 1))
	want.Message = "1/2 replicas available"
	if diff := cmp.Diff(want, w.next(t)); diff != "" {
		t.Errorf("status with 1 replica available (-want +got):\n%s", diff)
	}
	// Its pods' troubles show while the wait goes on.
	createPod(t, dyn, ns, "web-abc", "web", map[string]any{"waiting": map[string]any{"reason": "CrashLoopBackOff"}})
	want.Message = "1/2 replicas available: CrashLoopBackOff on pod web-abc"
	if diff := cmp.Diff(want, w.next(t)); diff != "" {
		t.Errorf("status with a crashing pod (-want +got):\n%s", diff)
	}
	writeStatus(t, dyn, deployments, ns, "web", deploymentStatus(2, 2))
	if got := w.next(t); got.Status != kube.StatusCurrent {
		t.Errorf("status once available = %v, want Current", got)
	}
	if err := w.result(t); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func TestWaitTimeoutNamesPodReasons(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{
		deployment(t, "web", 3), deployment(t, "api", 1), object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}"),
	}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	writeStatus(t, dyn, deployments, ns, "web", deploymentStatus(3, 1))
	createPod(t, dyn, ns, "web-abc", "web", map[string]any{"waiting": map[string]any{"reason": "ImagePullBackOff"}})
	createPod(t, dyn, ns, "web-def", "web", map[string]any{"running": map[string]any{}})

	err = c.Wait(t.Context(), cs.Entries, kube.WaitOptions{Timeout: time.Second})
	var waitErr *kube.WaitError
	if !errors.As(err, &waitErr) {
		t.Fatalf("Wait = %v, want a *kube.WaitError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait error %v does not match context.DeadlineExceeded", err)
	}
	want := "timed out after 1s waiting for 2 of 3 objects: " +
		"Deployment/" + ns + "/web: 1/3 replicas available: ImagePullBackOff on pod web-abc; " +
		"Deployment/" + ns + "/api: waiting for the controller to observe generation 1"
	if got := err.Error(); got != want {
		t.Errorf("Wait error:\n got %s\nwant %s", got, want)
	}
}

// createPod creates a pod labelled app=app whose one container is in
// state.
func createPod(t *testing.T, dyn dynamic.Interface, ns, name, app string, state map[string]any) {
	t.Helper()
	pod := object(t, `
apiVersion: v1
kind: Pod
metadata:
  name: `+name+`
  labels: {app: `+app+`}
spec:
  containers: [{name: main, image: example.com/web:1}]
`)
	if _, err := dyn.Resource(pods).Namespace(ns).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	writeStatus(t, dyn, pods, ns, name, map[string]any{
		"phase": "Pending",
		"containerStatuses": []any{map[string]any{
			"name": "main", "image": "example.com/web:1", "imageID": "", "ready": false, "restartCount": int64(0), "state": state,
		}},
	})
}

// gadgetCRD returns a CRD whose Gadgets have a status subresource: a
// controller reports their status.
func gadgetCRD(t *testing.T, ns string) (*unstructured.Unstructured, schema.GroupVersionResource) {
	t.Helper()
	group := ns + ".gadgets.berth.sh"
	crd := object(t, `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.`+group+`
spec:
  group: `+group+`
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
`)
	return crd, schema.GroupVersionResource{Group: group, Version: "v1", Resource: "gadgets"}
}

func TestWaitCustomResourceNeedsItsStatus(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	crd, gadgets := gadgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	wcrd, _ := widgetCRD(t, ns)
	deleteAfter(t, dyn, crds, wcrd.GetName())
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{crd, wcrd}, kube.ApplyOptions{}); err != nil {
		t.Fatalf("apply CRDs: %v", err)
	}
	gadget := object(t, "apiVersion: "+gadgets.GroupVersion().String()+"\nkind: Gadget\nmetadata: {name: g}\nspec: {size: 1}")
	// A Widget's definition has no status subresource: nothing will
	// report its status, so it is ready as applied.
	w := startWait(t, c, ns, []*unstructured.Unstructured{gadget, widget(t, ns, "w", "big")}, kube.WaitOptions{Timeout: time.Minute})
	got := map[string]kube.ObjectStatus{}
	for range 2 {
		st := w.next(t)
		got[st.Ref.Kind] = st
	}
	if st := got["Gadget"]; st.Status != kube.StatusInProgress || st.Message != "waiting for status" {
		t.Errorf("Gadget without status: %v %q, want InProgress \"waiting for status\"", st.Status, st.Message)
	}
	if st := got["Widget"]; st.Status != kube.StatusCurrent {
		t.Errorf("Widget (no status subresource): %v %q, want Current", st.Status, st.Message)
	}
	writeStatus(t, dyn, gadgets, ns, "g", map[string]any{"observedGeneration": int64(0)})
	if st := w.next(t); st.Status != kube.StatusInProgress || !strings.Contains(st.Message, "latest observed generation is 0") {
		t.Errorf("Gadget with an old observedGeneration: %v %q, want InProgress", st.Status, st.Message)
	}
	writeStatus(t, dyn, gadgets, ns, "g", map[string]any{
		"observedGeneration": int64(1), "conditions": []any{map[string]any{"type": "Ready", "status": "True"}},
	})
	if st := w.next(t); st.Status != kube.StatusCurrent {
		t.Errorf("Gadget with its status: %v %q, want Current", st.Status, st.Message)
	}
	if err := w.result(t); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func TestWaitCustomResourceStatusAfterChange(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	crd, gadgets := gadgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{crd}, kube.ApplyOptions{}); err != nil {
		t.Fatalf("apply CRD: %v", err)
	}
	manifest := "apiVersion: " + gadgets.GroupVersion().String() + "\nkind: Gadget\nmetadata: {name: g}\nspec: {size: %s}"
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, strings.Replace(manifest, "%s", "1", 1))}, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatalf("apply Gadget: %v", err)
	}
	// A status without observedGeneration, written before the change.
	writeStatus(t, dyn, gadgets, ns, "g", map[string]any{"phase": "Ready"})
	w := startWait(t, c, ns, []*unstructured.Unstructured{object(t, strings.Replace(manifest, "%s", "2", 1))}, kube.WaitOptions{Timeout: time.Minute})
	if st := w.next(t); st.Status != kube.StatusInProgress || st.Message != "waiting for a status update after the apply" {
		t.Errorf("Gadget changed, old status: %v %q, want InProgress", st.Status, st.Message)
	}
	writeStatus(t, dyn, gadgets, ns, "g", map[string]any{"phase": "Ready", "size": int64(2)})
	if st := w.next(t); st.Status != kube.StatusCurrent {
		t.Errorf("Gadget with a new status: %v %q, want Current", st.Status, st.Message)
	}
	if err := w.result(t); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func job(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	return object(t, `
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: example.com/migrate:1}]
`)
}

func TestWaitForJobs(t *testing.T) {
	c, dyn := newClient(t)

	t.Run("without WaitForJobs a created Job counts", func(t *testing.T) {
		ns := testenv.Namespace(t)
		w := startWait(t, c, ns, []*unstructured.Unstructured{job(t)}, kube.WaitOptions{Timeout: time.Minute})
		if st := w.next(t); st.Status != kube.StatusCurrent || st.Message != "created" {
			t.Errorf("Job: %v %q, want Current \"created\"", st.Status, st.Message)
		}
		if err := w.result(t); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})

	t.Run("with WaitForJobs a Job counts once complete", func(t *testing.T) {
		ns := testenv.Namespace(t)
		w := startWait(t, c, ns, []*unstructured.Unstructured{job(t)}, kube.WaitOptions{Timeout: time.Minute, WaitForJobs: true})
		if st := w.next(t); st.Status != kube.StatusInProgress || st.Message != "Job not started" {
			t.Errorf("new Job: %v %q, want InProgress \"Job not started\"", st.Status, st.Message)
		}
		start := metav1.Now().UTC().Format(time.RFC3339)
		writeStatus(t, dyn, jobs, ns, "migrate", map[string]any{"startTime": start, "active": int64(1)})
		if st := w.next(t); st.Status != kube.StatusInProgress || !strings.HasPrefix(st.Message, "Job in progress") {
			t.Errorf("running Job: %v %q, want InProgress \"Job in progress...\"", st.Status, st.Message)
		}
		writeStatus(t, dyn, jobs, ns, "migrate", map[string]any{
			"startTime": start, "completionTime": start, "succeeded": int64(1),
			"conditions": []any{
				map[string]any{"type": "SuccessCriteriaMet", "status": "True"},
				map[string]any{"type": "Complete", "status": "True"},
			},
		})
		if st := w.next(t); st.Status != kube.StatusCurrent {
			t.Errorf("complete Job: %v %q, want Current", st.Status, st.Message)
		}
		if err := w.result(t); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
}

func TestWaitFailedPodEndsTheWait(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	pod := object(t, `
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers: [{name: main, image: example.com/once:1}]
`)
	w := startWait(t, c, ns, []*unstructured.Unstructured{pod}, kube.WaitOptions{Timeout: time.Hour})
	if st := w.next(t); st.Status != kube.StatusInProgress {
		t.Errorf("new Pod: %v %q, want InProgress", st.Status, st.Message)
	}
	writeStatus(t, dyn, pods, ns, "once", map[string]any{
		"phase": "Failed",
		"containerStatuses": []any{map[string]any{
			"name": "main", "image": "example.com/once:1", "imageID": "", "ready": false, "restartCount": int64(0),
			"state": map[string]any{"terminated": map[string]any{"exitCode": int64(3), "reason": "Error"}},
		}},
	})
	want := kube.ObjectStatus{
		Ref:    kube.ObjectRef{Version: "v1", Kind: "Pod", Namespace: ns, Name: "once"},
		Status: kube.StatusFailed, Message: "Pod failed: Error (exit code 3)",
	}
	if diff := cmp.Diff(want, w.next(t)); diff != "" {
		t.Errorf("failed Pod (-want +got):\n%s", diff)
	}
	// Long before the hour of the timeout.
	err := w.result(t)
	var waitErr *kube.WaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, kube.ErrWaitFailed) {
		t.Fatalf("Wait = %v, want a *kube.WaitError matching ErrWaitFailed", err)
	}
	wantMsg := "1 of 1 objects not ready, failed for good: Pod/" + ns + "/once: Pod failed: Error (exit code 3)"
	if got := err.Error(); got != wantMsg {
		t.Errorf("Wait error:\n got %s\nwant %s", got, wantMsg)
	}
}
