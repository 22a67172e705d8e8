package kube_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

var driftDeployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

const webDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - {name: FOO, value: "1"}
`

// driftLines returns "Subject kind path by manager" per drifted field and
// "Subject missing" per missing object.
func driftLines(drifts []kube.ObjectDrift) []string {
	var lines []string
	for _, d := range drifts {
		if d.Missing {
			lines = append(lines, d.Ref.String()+" missing")
		}
		for _, f := range d.Fields {
			lines = append(lines, d.Ref.String()+" "+string(f.Kind)+" "+f.Path+" by "+f.Manager)
		}
	}
	return lines
}

// TestDriftAndCorrect changes a field of a release's Deployment with one
// field manager, adds an env var with another and deletes a ConfigMap;
// Drift names each with its manager, and Correct puts them back.
func TestDriftAndCorrect(t *testing.T) {
	ns := testenv.Namespace(t)
	c, dyn := newClient(t)
	opts := kube.ApplyOptions{Namespace: ns, Owner: kube.Owner{Name: "web", Namespace: ns}}
	objs := []*unstructured.Unstructured{object(t, webDeployment), configMap("", "settings", map[string]any{"a": "b"})}
	if _, err := c.Apply(t.Context(), objs, opts); err != nil {
		t.Fatal(err)
	}
	drifts, err := c.Drift(t.Context(), objs, opts)
	if err != nil {
		t.Fatalf("Drift: %v", err)
	}
	if got := driftLines(drifts); len(got) != 0 {
		t.Fatalf("drift right after apply: %q", got)
	}

	deploys := dyn.Resource(driftDeployments).Namespace(ns)
	live := getOrNil(t, dyn, driftDeployments, ns, "web")
	if err := unstructured.SetNestedField(live.Object, int64(3), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	// A controller's annotation in a reserved domain is not drift.
	annotations := live.GetAnnotations()
	annotations["deployment.kubernetes.io/revision"] = "1"
	live.SetAnnotations(annotations)
	live, err = deploys.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"})
	if err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedSlice(live.Object, "spec", "template", "spec", "containers")
	web := containers[0].(map[string]any)
	web["env"] = append(web["env"].([]any), map[string]any{"name": "EXTRA", "value": "x"})
	if err := unstructured.SetNestedSlice(live.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	if _, err := deploys.Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-set"}); err != nil {
		t.Fatal(err)
	}
	if err := dyn.Resource(configMaps).Namespace(ns).Delete(t.Context(), "settings", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	drifts, err = c.Drift(t.Context(), objs, opts)
	if err != nil {
		t.Fatalf("Drift: %v", err)
	}
	want := []string{
		"ConfigMap/" + ns + "/settings missing",
		"Deployment/" + ns + "/web changed spec.replicas by kubectl-edit",
		"Deployment/" + ns + "/web added spec.template.spec.containers[name=web].env[name=EXTRA] by kubectl-set",
	}
	if d := cmp.Diff(want, driftLines(drifts)); d != "" {
		t.Errorf("drift (-want +got):\n%s", d)
	}
	if f := drifts[1].Fields[0]; f.Want != int64(1) || f.Live != int64(3) {
		t.Errorf("replicas drift: want %v (%T), live %v", f.Want, f.Want, f.Live)
	}

	cs, err := c.Correct(t.Context(), drifts, opts)
	if err != nil {
		t.Fatalf("Correct: %v", err)
	}
	wantCS := []string{"ConfigMap/" + ns + "/settings created", "Deployment/" + ns + "/web configured"}
	if d := cmp.Diff(wantCS, entries(cs)); d != "" {
		t.Errorf("correct change set (-want +got):\n%s", d)
	}
	drifts, err = c.Drift(t.Context(), objs, opts)
	if err != nil {
		t.Fatalf("Drift: %v", err)
	}
	if got := driftLines(drifts); len(got) != 0 {
		t.Errorf("drift after Correct: %q", got)
	}
	live = getOrNil(t, dyn, driftDeployments, ns, "web")
	env, _, _ := unstructured.NestedSlice(live.Object, "spec", "template", "spec", "containers")
	wantEnv := []any{map[string]any{"name": "FOO", "value": "1"}}
	if d := cmp.Diff(wantEnv, env[0].(map[string]any)["env"]); d != "" {
		t.Errorf("env after Correct (-want +got):\n%s", d)
	}
}
