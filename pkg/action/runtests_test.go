package action_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

var pods = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// finishPod plays the kubelet in the background: it waits for Pod ns/name
// to be created, then sets its phase.
func finishPod(t *testing.T, dyn dynamic.Interface, ns, name, phase string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		client := dyn.Resource(pods).Namespace(ns)
		done <- wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			pod, err := client.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			pod.Object["status"] = map[string]any{"phase": phase}
			_, err = client.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
			if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		})
	}()
	return done
}

func TestTest(t *testing.T) {
	tests := []struct {
		name      string
		phase     string
		wantPhase release.HookPhase
		wantErr   bool
	}{
		{name: "passes", phase: "Succeeded", wantPhase: release.HookPhaseSucceeded},
		{name: "fails", phase: "Failed", wantPhase: release.HookPhaseFailed, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, dyn := newConfig(t)
			ctx := t.Context()
			ns := cfg.Namespace
			// A ConfigMap test runs first (lower weight) and passes once
			// created; the Pod's outcome is the test's.
			values := hookValues(hook("smoke", "Pod", "test", 1, ""), hook("fixture", "ConfigMap", "test", 0, ""))
			if _, _, err := action.Install(ctx, cfg, hookChart(t), values, action.InstallOptions{Name: "web"}); err != nil {
				t.Fatalf("install: %v", err)
			}
			if getObject(t, dyn, pods, ns, "smoke") != nil {
				t.Fatal("install ran the test hook")
			}
			played := finishPod(t, dyn, ns, "smoke", tt.phase)
			res, err := action.Test(ctx, cfg, "web", action.TestOptions{Logs: true})
			if perr := <-played; perr != nil {
				t.Fatalf("play the kubelet: %v", perr)
			}
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("Test error = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, action.ErrHookFailed) {
				t.Errorf("Test error = %v, want a hook failure", err)
			}
			var got []string
			for _, run := range res.Tests {
				got = append(got, run.Object+" "+string(run.Phase))
			}
			want := []string{"ConfigMap/" + ns + "/fixture Succeeded", "Pod/" + ns + "/smoke " + string(tt.wantPhase)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("test runs (-want +got):\n%s", diff)
			}
			smoke := res.Tests[1]
			if len(smoke.Logs) != 1 || smoke.Logs[0].Unavailable == "" {
				t.Errorf("logs of smoke = %+v, want one entry saying why they are unavailable", smoke.Logs)
			}
			stored, err := cfg.Store.Get(ctx, "web", 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range stored.Hooks {
				if h.Name == "smoke" && h.LastRun.Phase != tt.wantPhase {
					t.Errorf("stored LastRun of smoke = %+v, want %s", h.LastRun, tt.wantPhase)
				}
			}
		})
	}
}

// TestTestFilter: --filter name=X runs only X, !name=X all but X, as
// Helm's; a filter of another attribute is refused.
func TestTestFilter(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace
	values := hookValues(hook("one", "ConfigMap", "test", 0, ""), hook("two", "ConfigMap", "test", 1, ""))
	if _, _, err := action.Install(ctx, cfg, hookChart(t), values, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	for _, tt := range []struct {
		filter []string
		want   []string
	}{
		{[]string{"name=two"}, []string{"ConfigMap/" + ns + "/two"}},
		{[]string{"!name=two"}, []string{"ConfigMap/" + ns + "/one"}},
		{nil, []string{"ConfigMap/" + ns + "/one", "ConfigMap/" + ns + "/two"}},
	} {
		res, err := action.Test(ctx, cfg, "web", action.TestOptions{Filter: tt.filter})
		if err != nil {
			t.Fatalf("Test %v: %v", tt.filter, err)
		}
		var got []string
		for _, run := range res.Tests {
			got = append(got, run.Object)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("tests run with --filter %v (-want +got):\n%s", tt.filter, diff)
		}
	}
	if getObject(t, dyn, configMaps, ns, "one") == nil {
		t.Error("test one never ran")
	}
	if _, err := action.Test(ctx, cfg, "web", action.TestOptions{Filter: []string{"kind=Pod"}}); err == nil {
		t.Error("--filter kind=Pod accepted")
	}
}
