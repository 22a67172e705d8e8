package kube_test

import (
	"errors"
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

const hookJob = `
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
`

const hookPod = `
apiVersion: v1
kind: Pod
metadata:
  name: smoke
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
`

// jobStatus is the status the Job controller writes when a Job ends, as
// the API server's validation wants it.
func jobStatus(succeeded bool) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	if succeeded {
		return map[string]any{
			"startTime": now, "completionTime": now, "succeeded": int64(1),
			"conditions": []any{
				map[string]any{"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": now},
				map[string]any{"type": "Complete", "status": "True", "lastTransitionTime": now},
			},
		}
	}
	return map[string]any{
		"startTime": now, "failed": int64(1),
		"conditions": []any{
			map[string]any{
				"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
				"message": "Job has reached the specified backoff limit", "lastTransitionTime": now,
			},
			map[string]any{
				"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
				"message": "Job has reached the specified backoff limit", "lastTransitionTime": now,
			},
		},
	}
}

// setStatus plays the controller from any goroutine: it writes status on
// the object gvr/ns/name through the status subresource.
func setStatus(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string, status map[string]any) error {
	t.Helper()
	obj, err := dyn.Resource(gvr).Namespace(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	obj.Object["status"] = status
	_, err = dyn.Resource(gvr).Namespace(ns).UpdateStatus(t.Context(), obj, metav1.UpdateOptions{})
	return err
}

func TestWaitHook(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		gvr      schema.GroupVersionResource
		status   map[string]any // written while WaitHook watches; nil writes nothing
		want     kube.HookResult
	}{
		{name: "job complete", manifest: hookJob, gvr: jobs, status: jobStatus(true), want: kube.HookResult{Succeeded: true}},
		{
			name: "job failed", manifest: hookJob, gvr: jobs, status: jobStatus(false),
			want: kube.HookResult{Reason: "BackoffLimitExceeded: Job has reached the specified backoff limit"},
		},
		{name: "pod succeeded", manifest: hookPod, gvr: pods, status: map[string]any{"phase": "Succeeded"}, want: kube.HookResult{Succeeded: true}},
		{
			name: "pod failed", manifest: hookPod, gvr: pods,
			status: map[string]any{"phase": "Failed", "containerStatuses": []any{map[string]any{
				"name": "main", "image": "busybox", "imageID": "", "ready": false, "restartCount": int64(0),
				"state": map[string]any{"terminated": map[string]any{"exitCode": int64(3), "reason": "Error"}},
			}}},
			want: kube.HookResult{Reason: "container main exited with code 3 (Error)"},
		},
		{
			name: "config map is done once it exists", gvr: configMaps,
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n", want: kube.HookResult{Succeeded: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, dyn := newClient(t)
			ns := testenv.Namespace(t)
			obj := object(t, tt.manifest)
			cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{obj}, kube.ApplyOptions{Namespace: ns})
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			done := make(chan error, 1)
			go func() {
				if tt.status == nil {
					done <- nil
					return
				}
				done <- setStatus(t, dyn, tt.gvr, ns, obj.GetName(), tt.status)
			}()
			got, err := c.WaitHook(t.Context(), cs.Entries[0].Ref, time.Minute)
			if werr := <-done; werr != nil {
				t.Fatalf("write status: %v", werr)
			}
			if err != nil {
				t.Fatalf("WaitHook: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWaitHookTimeout(t *testing.T) {
	c, _ := newClient(t)
	ns := testenv.Namespace(t)
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, hookJob)}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	_, err = c.WaitHook(t.Context(), cs.Entries[0].Ref, 300*time.Millisecond)
	if !errors.Is(err, kube.ErrHookTimeout) {
		t.Fatalf("error = %v, want ErrHookTimeout", err)
	}
	want := "Job/" + ns + "/migrate: timed out after 300ms waiting for the hook to finish: 0 active, 0 succeeded, 0 failed pods"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
}

func TestWaitDeleted(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, hookPod)}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	ref := cs.Entries[0].Ref
	if err := c.WaitDeleted(t.Context(), ref, 200*time.Millisecond); err == nil {
		t.Fatal("WaitDeleted of an existing pod succeeded")
	}
	// Without a kubelet a pod is removed at once only with grace period 0.
	zero := int64(0)
	if err := dyn.Resource(pods).Namespace(ns).Delete(t.Context(), "smoke", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := c.WaitDeleted(t.Context(), ref, 10*time.Second); err != nil {
		t.Errorf("WaitDeleted after delete: %v", err)
	}
}

func TestHookLogsUnavailable(t *testing.T) {
	// envtest runs no kubelet: the pod's container log cannot be read, and
	// HookLogs says so instead of failing.
	c, _ := newClient(t)
	ns := testenv.Namespace(t)
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, hookPod)}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	logs, err := c.HookLogs(t.Context(), cs.Entries[0].Ref, 0)
	if err != nil {
		t.Fatalf("HookLogs: %v", err)
	}
	if len(logs) != 1 || logs[0].Pod != "smoke" || logs[0].Container != "main" || logs[0].Unavailable == "" {
		t.Fatalf("logs = %+v, want one unavailable log of smoke/main", logs)
	}
	want := "==> smoke/main <==\n(logs unavailable: container has not started (pod phase Pending))\n"
	if diff := cmp.Diff(want, logs[0].String()); diff != "" {
		t.Errorf("String() (-want +got):\n%s", diff)
	}
	// A Job without pods has no logs.
	jobCS, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, hookJob)}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if logs, err := c.HookLogs(t.Context(), jobCS.Entries[0].Ref, 10); err != nil || len(logs) != 0 {
		t.Errorf("HookLogs of a Job without pods = %v, %v; want none", logs, err)
	}
}
