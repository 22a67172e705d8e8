package kube_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// migrateJob is a Job whose pod template runs image.
func migrateJob(t *testing.T, image string) *unstructured.Unstructured {
	t.Helper()
	return object(t, `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: `+image+`}]
`)
}

// playGarbageCollector stands in for the garbage collector, which the
// test API server does not run: it removes the foregroundDeletion
// finalizer of every object of gvr in ns being deleted, as the collector
// does once their dependents are gone (they have none here).
func playGarbageCollector(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := dyn.Resource(gvr).Namespace(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch %s: %v", gvr.Resource, err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); w.Stop(); <-done })
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			obj, ok := ev.Object.(*unstructured.Unstructured)
			if !ok || ev.Type != watch.Modified || obj.GetDeletionTimestamp() == nil {
				continue
			}
			finalizers := slices.DeleteFunc(obj.GetFinalizers(), func(f string) bool { return f == metav1.FinalizerDeleteDependents })
			obj.SetFinalizers(finalizers)
			// An error here shows as the test's wait timing out.
			_, _ = dyn.Resource(gvr).Namespace(ns).Update(ctx, obj, metav1.UpdateOptions{})
		}
	}()
}

func uidOf(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string) types.UID {
	t.Helper()
	obj := getOrNil(t, dyn, gvr, ns, name)
	if obj == nil {
		t.Fatalf("%s %s/%s not found", gvr.Resource, ns, name)
	}
	return obj.GetUID()
}

func TestApplyImmutableFieldFailsNamingIt(t *testing.T) {
	c, _ := newClient(t)
	for _, tc := range []struct {
		name          string
		before, after string
		want          string
	}{
		{
			name:   "Job template",
			before: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: main, image: a:1}]}}}",
			after:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: main, image: a:2}]}}}",
			want:   "Job/%s/migrate: spec.template: field is immutable; use --force-replace to delete and re-create the object",
		},
		{
			name:   "Service clusterIP",
			before: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: 10.0.0.50, ports: [{port: 80}]}",
			after:  "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: 10.0.0.51, ports: [{port: 80}]}",
			want:   "Service/%s/web: spec.clusterIPs[0]: may not change once set; use --force-replace to delete and re-create the object",
		},
		{
			name:   "StatefulSet volumeClaimTemplates",
			before: statefulSet("1Gi", "a:1"),
			after:  statefulSet("2Gi", "a:2"),
			want: "StatefulSet/%s/db: spec.volumeClaimTemplates: updates to statefulset spec for fields other than 'replicas', " +
				"'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and " +
				"'minReadySeconds' are forbidden; use --force-replace to delete and re-create the object",
		},
		{
			name:   "Deployment selector",
			before: deploymentWithApp("a"),
			after:  deploymentWithApp("b"),
			want:   "Deployment/%s/web: spec.selector: field is immutable; use --force-replace to delete and re-create the object",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, tc.before)}, kube.ApplyOptions{Namespace: ns}); err != nil {
				t.Fatalf("first Apply: %v", err)
			}
			_, err := c.Apply(t.Context(), []*unstructured.Unstructured{object(t, tc.after)}, kube.ApplyOptions{Namespace: ns})
			if !errors.Is(err, kube.ErrImmutable) {
				t.Fatalf("Apply = %v, want ErrImmutable", err)
			}
			if want := strings.Replace(tc.want, "%s", ns, 1); err.Error() != want {
				t.Errorf("Apply error:\n got %s\nwant %s", err, want)
			}
		})
	}
}

func statefulSet(size, image string) string {
	return `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: ` + image + `}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: ` + size + `}}}`
}

func deploymentWithApp(app string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: ` + app + `}}
  template:
    metadata: {labels: {app: ` + app + `}}
    spec: {containers: [{name: main, image: a:1}]}`
}

// TestApplyForceReplace: with ForceReplace only the object whose
// immutable field changed is deleted and created again.
func TestApplyForceReplace(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	conf := func(color string) *unstructured.Unstructured {
		return object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}\ndata: {color: "+color+"}")
	}
	owner := kube.Owner{Name: "web", Namespace: ns}
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{conf("red"), migrateJob(t, "a:1")},
		kube.ApplyOptions{Namespace: ns, Owner: owner}); err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	jobUID, confUID := uidOf(t, dyn, jobs, ns, "migrate"), uidOf(t, dyn, configMaps, ns, "conf")
	playGarbageCollector(t, dyn, jobs, ns)

	dry, err := c.Apply(t.Context(), []*unstructured.Unstructured{conf("blue"), migrateJob(t, "a:2")},
		kube.ApplyOptions{Namespace: ns, Owner: owner, ForceReplace: true, DryRun: true})
	if err != nil {
		t.Fatalf("dry-run Apply: %v", err)
	}
	want := []string{
		"ConfigMap/" + ns + "/conf configured",
		"Job/" + ns + "/migrate replaced (dry run: immutable field spec.template changed; would be deleted and re-created)",
	}
	if diff := cmp.Diff(want, entries(dry)); diff != "" {
		t.Errorf("dry-run change set (-want +got):\n%s", diff)
	}
	if got := uidOf(t, dyn, jobs, ns, "migrate"); got != jobUID {
		t.Errorf("a dry run replaced the Job")
	}

	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{conf("blue"), migrateJob(t, "a:2")},
		kube.ApplyOptions{Namespace: ns, Owner: owner, ForceReplace: true})
	if err != nil {
		t.Fatalf("Apply with ForceReplace: %v", err)
	}
	want = []string{"ConfigMap/" + ns + "/conf configured", "Job/" + ns + "/migrate replaced (immutable field spec.template changed)"}
	if diff := cmp.Diff(want, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	if got := uidOf(t, dyn, jobs, ns, "migrate"); got == jobUID {
		t.Errorf("Job UID unchanged (%s): not re-created", got)
	}
	if got := uidOf(t, dyn, configMaps, ns, "conf"); got != confUID {
		t.Errorf("ConfigMap UID %s, want %s kept", got, confUID)
	}
	job := getOrNil(t, dyn, jobs, ns, "migrate")
	containers, _, _ := unstructured.NestedSlice(job.Object, "spec", "template", "spec", "containers")
	if image := containers[0].(map[string]any)["image"]; image != "a:2" || job.GetAnnotations()[kube.AnnotationReleaseName] != "web" {
		t.Errorf("re-created Job: image %v, annotations %v; want a:2 owned by web", image, job.GetAnnotations())
	}
}

func TestApplyForceReplaceKeepsObjectsAnnotatedKeep(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	keep := func(image string) *unstructured.Unstructured {
		job := migrateJob(t, image)
		job.SetAnnotations(map[string]string{kube.AnnotationResourcePolicy: "keep"})
		return job
	}
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{keep("a:1")}, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	uid := uidOf(t, dyn, jobs, ns, "migrate")
	_, err := c.Apply(t.Context(), []*unstructured.Unstructured{keep("a:2")}, kube.ApplyOptions{Namespace: ns, ForceReplace: true})
	want := "Job/" + ns + "/migrate: immutable field spec.template changed; not replaced: annotated helm.sh/resource-policy: keep (delete it yourself to re-create it)"
	if err == nil || err.Error() != want {
		t.Errorf("Apply = %v, want %s", err, want)
	}
	if got := uidOf(t, dyn, jobs, ns, "migrate"); got != uid {
		t.Error("a Job annotated keep was replaced")
	}
}

// A Service whose clusterIP changes is re-created with the new address.
func TestApplyForceReplaceService(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	services := schema.GroupVersionResource{Version: "v1", Resource: "services"}
	service := func(ip string) *unstructured.Unstructured {
		return object(t, "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {clusterIP: "+ip+", ports: [{port: 80}]}")
	}
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{service("10.0.0.60")}, kube.ApplyOptions{Namespace: ns}); err != nil {
		t.Fatalf("first Apply: %v", err)
	}
	uid := uidOf(t, dyn, services, ns, "web")
	playGarbageCollector(t, dyn, services, ns)
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{service("10.0.0.61")}, kube.ApplyOptions{Namespace: ns, ForceReplace: true})
	if err != nil {
		t.Fatalf("Apply with ForceReplace: %v", err)
	}
	if diff := cmp.Diff([]string{"Service/" + ns + "/web replaced (immutable field spec.clusterIPs[0] changed)"}, entries(cs)); diff != "" {
		t.Errorf("change set (-want +got):\n%s", diff)
	}
	live := getOrNil(t, dyn, services, ns, "web")
	if ip, _, _ := unstructured.NestedString(live.Object, "spec", "clusterIP"); ip != "10.0.0.61" || live.GetUID() == uid {
		t.Errorf("Service after replace: clusterIP %s, UID %s (was %s); want 10.0.0.61 and a new UID", ip, live.GetUID(), uid)
	}
}
