package kube_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// graceClock is a clock for Wait whose grace ends when the test says:
// every timer Wait starts is reported on started and fires on fire.
type graceClock struct {
	started chan time.Duration
	fire    chan time.Time
}

func newGraceClock() *graceClock {
	return &graceClock{started: make(chan time.Duration, 10), fire: make(chan time.Time, 10)}
}

func (c *graceClock) after(d time.Duration) <-chan time.Time {
	c.started <- d
	return c.fire
}

// graceStarted returns the duration of the grace timer Wait starts.
func (c *graceClock) graceStarted(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.started:
		return d
	case <-time.After(stepTimeout):
		t.Fatalf("no grace timer started within %s", stepTimeout)
	}
	return 0
}

// endedGrace is a WaitOptions.After whose timers fire at once: every grace
// is over as soon as it starts.
func endedGrace(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- time.Now()
	return ch
}

// applyGadgetCRD applies a Gadget CRD (with a status subresource) of a
// group unique to ns, deleted when the test ends.
func applyGadgetCRD(t *testing.T, c *kube.Client, ns string) schema.GroupVersionResource {
	t.Helper()
	_, dyn := newClient(t)
	crd, gadgets := gadgetCRD(t, ns)
	deleteAfter(t, dyn, crds, crd.GetName())
	if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{crd}, kube.ApplyOptions{}); err != nil {
		t.Fatalf("apply CRD: %v", err)
	}
	return gadgets
}

// gadget returns a Gadget with the given annotations.
func gadget(t *testing.T, gadgets schema.GroupVersionResource, name string, annotations map[string]string) *unstructured.Unstructured {
	t.Helper()
	obj := object(t, "apiVersion: "+gadgets.GroupVersion().String()+"\nkind: Gadget\nmetadata: {name: "+name+"}\nspec: {size: 1}")
	obj.SetAnnotations(annotations)
	return obj
}

// readyGadget is the status a Gadget's controller writes once ready.
var readyGadget = map[string]any{
	"observedGeneration": int64(1), "conditions": []any{map[string]any{"type": "Ready", "status": "True"}},
}

func TestWaitCustomResourceWithoutStatusCountedReadyAfterGrace(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	gadgets := applyGadgetCRD(t, c, ns)
	clock := newGraceClock()
	// The default grace, on a clock of the test's.
	w := startWait(t, c, ns, []*unstructured.Unstructured{gadget(t, gadgets, "g", nil), deployment(t, "operator", 1)},
		kube.WaitOptions{Timeout: time.Minute, After: clock.after})
	got := map[string]kube.ObjectStatus{}
	for range 2 {
		st := w.next(t)
		got[st.Ref.Kind] = st
	}
	if st := got["Gadget"]; st.Status != kube.StatusInProgress || st.Message != "waiting for status" {
		t.Errorf("Gadget without status: %v %q, want InProgress \"waiting for status\"", st.Status, st.Message)
	}
	// The grace starts only once the other objects (the controller that
	// may write the status) are ready.
	select {
	case d := <-clock.started:
		t.Fatalf("grace of %s started while the Deployment is not ready", d)
	default:
	}
	writeStatus(t, dyn, deployments, ns, "operator", deploymentStatus(1, 1))
	if st := w.next(t); st.Ref.Kind != "Deployment" || st.Status != kube.StatusCurrent {
		t.Errorf("Deployment once available: %v, want Current", st)
	}
	if d := clock.graceStarted(t); d != 20*time.Second {
		t.Errorf("grace = %s, want the default 20s", d)
	}
	clock.fire <- time.Now()
	want := kube.ObjectStatus{
		Ref:    kube.ObjectRef{Group: gadgets.Group, Version: "v1", Kind: "Gadget", Namespace: ns, Name: "g"},
		Status: kube.StatusCurrent, Message: "no status from a controller within 20s; counted ready",
	}
	if diff := cmp.Diff(want, w.next(t)); diff != "" {
		t.Errorf("Gadget at the end of the grace (-want +got):\n%s", diff)
	}
	if err := w.result(t); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func TestWaitStatusNeverComesSucceedsWithinGrace(t *testing.T) {
	c, _ := newClient(t)
	ns := testenv.Namespace(t)
	gadgets := applyGadgetCRD(t, c, ns)
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{gadget(t, gadgets, "a", nil), gadget(t, gadgets, "b", nil)},
		kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	// A real clock: the wait ends after the grace, long before the timeout.
	start := time.Now()
	if err := c.Wait(t.Context(), cs.Entries, kube.WaitOptions{Timeout: time.Minute, StatusGrace: 200 * time.Millisecond}); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond || elapsed > stepTimeout {
		t.Errorf("Wait returned after %s, want after the grace of 200ms", elapsed)
	}
}

// Each subtest has a Gadget CRD of its own: statuses of the kind written
// by one would tell the others that a controller exists.
func TestWaitStatusOfTheKindSeenMeansAController(t *testing.T) {
	c, dyn := newClient(t)

	t.Run("another object of the kind has a status", func(t *testing.T) {
		ns, other := testenv.Namespace(t), testenv.Namespace(t)
		gadgets := applyGadgetCRD(t, c, ns)
		if _, err := c.Apply(t.Context(), []*unstructured.Unstructured{gadget(t, gadgets, "old", nil)}, kube.ApplyOptions{Namespace: other}); err != nil {
			t.Fatalf("apply the other Gadget: %v", err)
		}
		writeStatus(t, dyn, gadgets, other, "old", readyGadget)
		w := startWait(t, c, ns, []*unstructured.Unstructured{gadget(t, gadgets, "new", nil)},
			kube.WaitOptions{Timeout: time.Minute, After: endedGrace})
		assertAwaitsStatus(t, w, dyn, gadgets, ns, "new")
	})

	t.Run("one awaited object gets a status during the grace", func(t *testing.T) {
		ns := testenv.Namespace(t)
		gadgets := applyGadgetCRD(t, c, ns)
		clock := newGraceClock()
		w := startWait(t, c, ns, []*unstructured.Unstructured{gadget(t, gadgets, "first", nil), gadget(t, gadgets, "second", nil)},
			kube.WaitOptions{Timeout: time.Minute, After: clock.after})
		for range 2 {
			if st := w.next(t); st.Message != "waiting for status" {
				t.Fatalf("status before any controller: %v, want waiting for status", st)
			}
		}
		clock.graceStarted(t)
		writeStatus(t, dyn, gadgets, ns, "first", map[string]any{"observedGeneration": int64(1)})
		if st := w.next(t); st.Ref.Name != "first" || st.Status != kube.StatusCurrent {
			t.Errorf("first Gadget with its status: %v, want Current", st)
		}
		// A controller writes Gadgets' status: the second is awaited
		// until its own comes, grace or not.
		clock.fire <- time.Now()
		writeStatus(t, dyn, gadgets, ns, "second", readyGadget)
		if st := w.next(t); st.Ref.Name != "second" || st.Status != kube.StatusCurrent || strings.Contains(st.Message, "counted ready") {
			t.Errorf("second Gadget: %v, want Current from its status", st)
		}
		if err := w.result(t); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
}

// assertAwaitsStatus checks that the Gadget name, whose grace (if any) is
// over, is not counted ready before its status is written, and that the
// wait then ends.
func assertAwaitsStatus(t *testing.T, w *asyncWait, dyn dynamic.Interface, gadgets schema.GroupVersionResource, ns, name string) {
	t.Helper()
	if st := w.next(t); st.Status != kube.StatusInProgress || st.Message != "waiting for status" {
		t.Fatalf("Gadget without status: %v %q, want InProgress \"waiting for status\"", st.Status, st.Message)
	}
	writeStatus(t, dyn, gadgets, ns, name, readyGadget)
	if st := w.next(t); st.Status != kube.StatusCurrent || strings.Contains(st.Message, "counted ready") {
		t.Errorf("Gadget with its status: %v, want Current from its status", st)
	}
	if err := w.result(t); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

func TestWaitForStatusForcesTheWait(t *testing.T) {
	c, dyn := newClient(t)
	for _, tc := range []struct {
		name  string
		kinds func(group string) []schema.GroupKind
	}{
		{"kind", func(string) []schema.GroupKind { return []schema.GroupKind{{Kind: "gadget"}} }},
		{"kind and group", func(group string) []schema.GroupKind { return []schema.GroupKind{{Kind: "Gadget", Group: group}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			gadgets := applyGadgetCRD(t, c, ns)
			w := startWait(t, c, ns, []*unstructured.Unstructured{gadget(t, gadgets, "g", nil)},
				kube.WaitOptions{Timeout: time.Minute, After: endedGrace, WaitForStatus: tc.kinds(gadgets.Group)})
			assertAwaitsStatus(t, w, dyn, gadgets, ns, "g")
		})
	}
}

func TestWaitAnnotation(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	gadgets := applyGadgetCRD(t, c, ns)
	annotated := func(obj *unstructured.Unstructured, mode string) *unstructured.Unstructured {
		obj.SetAnnotations(map[string]string{kube.AnnotationWait: mode})
		return obj
	}

	t.Run("ready waits for the status", func(t *testing.T) {
		ns := testenv.Namespace(t)
		w := startWait(t, c, ns, []*unstructured.Unstructured{annotated(gadget(t, gadgets, "g", nil), "ready")},
			kube.WaitOptions{Timeout: time.Minute, After: endedGrace})
		assertAwaitsStatus(t, w, dyn, gadgets, ns, "g")
	})

	t.Run("exists counts once created", func(t *testing.T) {
		ns := testenv.Namespace(t)
		w := startWait(t, c, ns, []*unstructured.Unstructured{annotated(deployment(t, "web", 1), "exists")},
			kube.WaitOptions{Timeout: time.Minute})
		want := kube.ObjectStatus{
			Ref:    kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: ns, Name: "web"},
			Status: kube.StatusCurrent, Message: "exists (berth.sh/wait: exists)",
		}
		if diff := cmp.Diff(want, w.next(t)); diff != "" {
			t.Errorf("Deployment annotated exists (-want +got):\n%s", diff)
		}
		if err := w.result(t); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})

	t.Run("none is not awaited", func(t *testing.T) {
		ns := testenv.Namespace(t)
		w := startWait(t, c, ns, []*unstructured.Unstructured{
			annotated(deployment(t, "web", 1), "none"), object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}"),
		}, kube.WaitOptions{Timeout: time.Minute})
		if st := w.next(t); st.Ref.Kind != "ConfigMap" || st.Status != kube.StatusCurrent {
			t.Errorf("status = %v, want only the ConfigMap's, Current", st)
		}
		if err := w.result(t); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})

	t.Run("an unknown value is refused before anything is applied", func(t *testing.T) {
		ns := testenv.Namespace(t)
		_, err := c.Apply(t.Context(), []*unstructured.Unstructured{
			object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}"), annotated(deployment(t, "web", 1), "soon"),
		}, kube.ApplyOptions{Namespace: ns})
		want := "Deployment/" + ns + `/web: annotation berth.sh/wait: "soon" is not one of ready, exists, none`
		if err == nil || err.Error() != want {
			t.Errorf("Apply = %v, want %s", err, want)
		}
		if getOrNil(t, dyn, schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, ns, "conf") != nil {
			t.Error("the ConfigMap was applied although the Deployment was refused")
		}
	})
}

func TestWaitCustomResourceLongWithoutStatus(t *testing.T) {
	c, _ := newClient(t)
	ns := testenv.Namespace(t)
	gadgets := applyGadgetCRD(t, c, ns)
	// An hour after its creation, a Gadget without a status has had no
	// controller for longer than the grace: no need to wait for it again.
	later := func() time.Time { return time.Now().Add(time.Hour) }
	never := func(time.Duration) <-chan time.Time { return nil }
	w := startWait(t, c, ns, []*unstructured.Unstructured{gadget(t, gadgets, "g", nil)},
		kube.WaitOptions{Timeout: time.Minute, Now: later, After: never})
	if st := w.next(t); st.Status != kube.StatusCurrent || st.Message != "no status from a controller within 20s; counted ready" {
		t.Errorf("old Gadget without status: %v %q, want Current, counted ready", st.Status, st.Message)
	}
	if err := w.result(t); err != nil {
		t.Errorf("Wait: %v", err)
	}
}
