package kube_test

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

const holdFinalizer = "test.berth.sh/hold"

func TestWaitGone(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	held := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}")
	held.SetFinalizers([]string{holdFinalizer})
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{held, object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: free}")},
		kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	deleted, err := c.Delete(t.Context(), cs.Refs(), kube.DeleteOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}

	// The finalizer holds one of them: the wait times out naming it.
	err = c.WaitGone(t.Context(), deleted.Entries, kube.WaitOptions{Timeout: time.Second})
	var waitErr *kube.WaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitGone = %v, want a *kube.WaitError at the timeout", err)
	}
	want := "timed out after 1s waiting for 1 of 2 deleted objects to be gone: ConfigMap/" + ns + "/held: waiting for finalizers " + holdFinalizer
	if err.Error() != want {
		t.Errorf("WaitGone error:\n got %s\nwant %s", err, want)
	}

	// Once the finalizer is removed, the wait ends.
	statuses := make(chan kube.ObjectStatus, 10)
	done := make(chan error, 1)
	go func() {
		done <- c.WaitGone(t.Context(), deleted.Entries, kube.WaitOptions{
			Timeout: time.Minute, OnStatus: func(st kube.ObjectStatus) { statuses <- st },
		})
	}()
	seen := map[string]kube.ObjectStatus{}
	for len(seen) < 2 {
		select {
		case st := <-statuses:
			seen[st.Ref.Name] = st
		case <-time.After(stepTimeout):
			t.Fatalf("statuses within %s: %v", stepTimeout, seen)
		}
	}
	if st := seen["held"]; st.Status != kube.StatusTerminating || st.Message != "waiting for finalizers "+holdFinalizer {
		t.Errorf("held: %v, want Terminating waiting for its finalizer", st)
	}
	if st := seen["free"]; st.Status != kube.StatusCurrent || st.Message != "deleted" {
		t.Errorf("free: %v, want Current deleted", st)
	}
	live := getOrNil(t, dyn, configMaps, ns, "held")
	live.SetFinalizers(nil)
	if _, err := dyn.Resource(configMaps).Namespace(ns).Update(t.Context(), live, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove the finalizer: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("WaitGone once the finalizer is gone: %v", err)
		}
	case <-time.After(stepTimeout):
		t.Fatalf("WaitGone did not return within %s of the finalizer's removal", stepTimeout)
	}
	if st := <-statuses; st.Ref.Name != "held" || st.Message != "deleted" {
		t.Errorf("last status = %v, want held deleted", st)
	}
}

func TestWaitGoneCountsARecreatedObjectGone(t *testing.T) {
	c, dyn := newClient(t)
	ns := testenv.Namespace(t)
	conf := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}")
	cs, err := c.Apply(t.Context(), []*unstructured.Unstructured{conf}, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	deleted, err := c.Delete(t.Context(), cs.Refs(), kube.DeleteOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := dyn.Resource(configMaps).Namespace(ns).Create(t.Context(), conf, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create it again: %v", err)
	}
	if err := c.WaitGone(t.Context(), deleted.Entries, kube.WaitOptions{Timeout: time.Minute}); err != nil {
		t.Errorf("WaitGone with another object of the name: %v", err)
	}
}
