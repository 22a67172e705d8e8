package kube_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// helmConfigMap creates ConfigMap "cm" as Helm 4 would (server-side apply
// as helm), then changes it as Helm 3 would (a merge patch as helm) and as
// kubectl would, and returns it.
func helmConfigMap(t *testing.T, dyn dynamic.Interface, ns string) *unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	client := dyn.Resource(configMaps).Namespace(ns)
	apply := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm",
		"labels":{"app.kubernetes.io/managed-by":"Helm"},"annotations":{"meta.helm.sh/release-name":"web"}},"data":{"a":"1"}}`)
	force := true
	if _, err := client.Patch(ctx, "cm", types.ApplyPatchType, apply, metav1.PatchOptions{FieldManager: "helm", Force: &force}); err != nil {
		t.Fatal(err)
	}
	for manager, patch := range map[string]string{"helm": `{"data":{"b":"2"}}`, "kubectl-edit": `{"data":{"c":"3"}}`} {
		if _, err := client.Patch(ctx, "cm", types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: manager}); err != nil {
			t.Fatal(err)
		}
	}
	live, err := client.Get(ctx, "cm", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return live
}

// fieldEntries renders managedFields as "manager/operation fields", sorted.
func fieldEntries(t *testing.T, obj *unstructured.Unstructured) []string {
	t.Helper()
	var out []string
	for _, e := range obj.GetManagedFields() {
		var fields any
		if err := json.Unmarshal(e.FieldsV1.GetRawBytes(), &fields); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(fields)
		out = append(out, e.Manager+"/"+string(e.Operation)+" "+string(b))
	}
	sort.Strings(out)
	return out
}

func importOptions(ns string) kube.MoveOptions {
	return kube.MoveOptions{
		Namespace: ns, From: []string{"helm"}, To: kube.FieldManager,
		Annotations:        map[string]string{kube.AnnotationReleaseName: "web", kube.AnnotationReleaseNamespace: ns},
		UnownedAnnotations: []string{"meta.helm.sh/release-name"},
		UnownedLabels:      []string{"app.kubernetes.io/managed-by"},
	}
}

// TestMoveOwnership moves helm's Apply and Update entries into berth's
// Apply entry and checks what berth's next apply then does.
func TestMoveOwnership(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	before := helmConfigMap(t, dyn, ns)
	manifest := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n  b: \"2\"\n")
	ctx := context.Background()

	moves, err := c.MoveOwnership(ctx, []*unstructured.Unstructured{manifest}, func() kube.MoveOptions {
		o := importOptions(ns)
		o.DryRun = true
		return o
	}())
	if err != nil || len(moves) != 1 || !moves[0].Changed || len(moves[0].Moved) != 2 {
		t.Fatalf("dry run: %+v, %v", moves, err)
	}
	if after, _ := dyn.Resource(configMaps).Namespace(ns).Get(ctx, "cm", metav1.GetOptions{}); after.GetResourceVersion() != before.GetResourceVersion() {
		t.Fatal("the dry run changed the object")
	}

	moves, err = c.MoveOwnership(ctx, []*unstructured.Unstructured{manifest}, importOptions(ns))
	if err != nil {
		t.Fatal(err)
	}
	moved, _ := dyn.Resource(configMaps).Namespace(ns).Get(ctx, "cm", metav1.GetOptions{})
	want := []string{
		`berth/Apply {"f:data":{"f:a":{},"f:b":{}}}`,
		`berth/Update {"f:metadata":{"f:annotations":{"f:meta.berth.sh/release-name":{},"f:meta.berth.sh/release-namespace":{}}}}`,
		`kubectl-edit/Update {"f:data":{"f:c":{}}}`,
	}
	if d := cmp.Diff(want, fieldEntries(t, moved)); d != "" {
		t.Errorf("managedFields after the move (-want +got):\n%s", d)
	}
	if d := cmp.Diff(before.Object["data"], moved.Object["data"]); d != "" || moved.GetLabels()["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("the move changed the object's data or Helm's label (-before +after):\n%s", d)
	}

	// berth's apply of a manifest without b removes b (berth owns it now),
	// keeps kubectl's c and Helm's unowned label and annotation.
	next := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n")
	if _, err := c.Apply(ctx, []*unstructured.Unstructured{next}, kube.ApplyOptions{
		Namespace: ns, Owner: kube.Owner{Name: "web", Namespace: ns},
	}); err != nil {
		t.Fatal(err)
	}
	applied, _ := dyn.Resource(configMaps).Namespace(ns).Get(ctx, "cm", metav1.GetOptions{})
	if d := cmp.Diff(map[string]any{"a": "1", "c": "3"}, applied.Object["data"]); d != "" {
		t.Errorf("data after berth's apply (-want +got):\n%s", d)
	}
	if applied.GetLabels()["app.kubernetes.io/managed-by"] != "Helm" || applied.GetAnnotations()["meta.helm.sh/release-name"] != "web" {
		t.Errorf("berth's apply removed Helm's metadata: %v %v", applied.GetLabels(), applied.GetAnnotations())
	}
	_ = moves
}

// TestRestoreOwnership undoes a move: managedFields and annotations come
// back as they were.
func TestRestoreOwnership(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	before := helmConfigMap(t, dyn, ns)
	manifest := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
	ctx := context.Background()
	moves, err := c.MoveOwnership(ctx, []*unstructured.Unstructured{manifest}, importOptions(ns))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RestoreOwnership(ctx, moves); err != nil {
		t.Fatal(err)
	}
	after, _ := dyn.Resource(configMaps).Namespace(ns).Get(ctx, "cm", metav1.GetOptions{})
	if d := cmp.Diff(fieldEntries(t, before), fieldEntries(t, after)); d != "" {
		t.Errorf("managedFields after the restore (-before +after):\n%s", d)
	}
	for k := range after.GetAnnotations() {
		if strings.HasPrefix(k, "meta.berth.sh/") {
			t.Errorf("the restore left annotation %s", k)
		}
	}
}

// TestMoveOwnershipFromMoreManagers moves kubectl's entry too, as
// --from-manager asks.
func TestMoveOwnershipFromMoreManagers(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	helmConfigMap(t, dyn, ns)
	opts := importOptions(ns)
	opts.From = append(opts.From, "kubectl-edit")
	moves, err := c.MoveOwnership(context.Background(), []*unstructured.Unstructured{object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(moves) != 1 || len(moves[0].Moved) != 3 {
		t.Fatalf("moves: %+v, want helm's two entries and kubectl-edit's", moves)
	}
	moved, _ := dyn.Resource(configMaps).Namespace(ns).Get(context.Background(), "cm", metav1.GetOptions{})
	want := []string{
		`berth/Apply {"f:data":{"f:a":{},"f:b":{},"f:c":{}}}`,
		`berth/Update {"f:metadata":{"f:annotations":{"f:meta.berth.sh/release-name":{},"f:meta.berth.sh/release-namespace":{}}}}`,
	}
	if d := cmp.Diff(want, fieldEntries(t, moved)); d != "" {
		t.Errorf("managedFields after the move (-want +got):\n%s", d)
	}
}

// racingTransport changes the ConfigMap behind the client's back just
// before the client's first JSON patch reaches the API server.
type racingTransport struct {
	next    http.RoundTripper
	race    func()
	patches int
}

func (r *racingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPatch && req.Header.Get("Content-Type") == string(types.JSONPatchType) {
		r.patches++
		if r.patches == 1 {
			r.race()
		}
	}
	return r.next.RoundTrip(req)
}

// TestMoveOwnershipRetriesAfterARace: a write that lands between the
// move's read and its patch makes the patch fail with a conflict; the move
// reads again and succeeds, keeping the other write.
func TestMoveOwnershipRetriesAfterARace(t *testing.T) {
	_, dyn := newClient(t)
	ns := testenv.Namespace(t)
	helmConfigMap(t, dyn, ns)
	rt := &racingTransport{race: func() {
		_, err := dyn.Resource(configMaps).Namespace(ns).Patch(context.Background(), "cm", types.MergePatchType,
			[]byte(`{"data":{"d":"4"}}`), metav1.PatchOptions{FieldManager: "racer"})
		if err != nil {
			t.Error(err)
		}
	}}
	cfg := testenv.Config(t)
	cfg.WrapTransport = func(next http.RoundTripper) http.RoundTripper { rt.next = next; return rt }
	c, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.MoveOwnership(context.Background(), []*unstructured.Unstructured{object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")}, importOptions(ns)); err != nil {
		t.Fatal(err)
	}
	if rt.patches != 2 {
		t.Errorf("sent %d JSON patches, want 2 (one refused as conflicting, one after reading again)", rt.patches)
	}
	moved, _ := dyn.Resource(configMaps).Namespace(ns).Get(context.Background(), "cm", metav1.GetOptions{})
	got := strings.Join(fieldEntries(t, moved), "\n")
	if !strings.Contains(got, `berth/Apply {"f:data":{"f:a":{},"f:b":{}}}`) || !strings.Contains(got, `racer/Update {"f:data":{"f:d":{}}}`) ||
		moved.Object["data"].(map[string]any)["d"] != "4" {
		t.Errorf("after the race: data %v, managedFields\n%s", moved.Object["data"], got)
	}
}
