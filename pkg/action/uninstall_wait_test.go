package action_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

const holdFinalizer = "test.berth.sh/hold"

// heldChart is a chart of a ConfigMap "free" and a ConfigMap "held" whose
// finalizer, which no controller removes, keeps it once deleted.
func heldChart(t *testing.T) *chart.Chart {
	t.Helper()
	return writeChart(t, "held", map[string]string{
		"templates/cms.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: free}\n---\n" +
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [" + holdFinalizer + "]}\n",
	})
}

// TestUninstallWait: with Wait, Uninstall returns only once the deleted
// objects are gone, and at the timeout names the one a finalizer holds.
func TestUninstallWait(t *testing.T) {
	t.Run("returns once the objects are gone", func(t *testing.T) {
		cfg, dyn := newConfig(t)
		ns := cfg.Namespace
		if _, _, err := action.Install(t.Context(), cfg, heldChart(t), nil, action.InstallOptions{Name: "held"}); err != nil {
			t.Fatalf("Install: %v", err)
		}
		events := make(chan action.Event, 100)
		cfg.Progress = func(e action.Event) { events <- e }
		done := make(chan error, 1)
		go func() {
			_, err := action.Uninstall(t.Context(), cfg, []string{"held"}, action.UninstallOptions{Wait: true, Timeout: time.Minute})
			done <- err
		}()
		waitForEvent(t, events, "ConfigMap/"+ns+"/held", "Terminating", "waiting for finalizers "+holdFinalizer)
		select {
		case err := <-done:
			t.Fatalf("Uninstall returned (%v) while a deleted object is still there", err)
		default:
		}
		held := getObject(t, dyn, configMaps, ns, "held")
		held.SetFinalizers(nil)
		if _, err := dyn.Resource(configMaps).Namespace(ns).Update(t.Context(), held, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("remove the finalizer: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Uninstall: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Uninstall did not return once the object was gone")
		}
		if names := liveNames(t, dyn, configMaps, ns); len(names) != 0 {
			t.Errorf("objects left: %v", names)
		}
	})

	t.Run("times out naming the object held", func(t *testing.T) {
		cfg, _ := newConfig(t)
		ns := cfg.Namespace
		if _, _, err := action.Install(t.Context(), cfg, heldChart(t), nil, action.InstallOptions{Name: "held"}); err != nil {
			t.Fatalf("Install: %v", err)
		}
		_, err := action.Uninstall(t.Context(), cfg, []string{"held"}, action.UninstallOptions{Wait: true, Timeout: time.Second})
		want := `uninstall release "held": wait for deletion: timed out after 1s waiting for 1 of 2 deleted objects to be gone: ` +
			"ConfigMap/" + ns + "/held: waiting for finalizers " + holdFinalizer
		var waitErr *kube.WaitError
		if !errors.As(err, &waitErr) || err.Error() != want {
			t.Errorf("Uninstall error:\n got %v\nwant %s", err, want)
		}
		// As in Helm, the records are gone all the same.
		if _, err := cfg.Store.History(t.Context(), "held"); !errors.Is(err, release.ErrNotFound) {
			t.Errorf("history after the uninstall = %v, want ErrNotFound", err)
		}
	})
}

// waitForEvent reads events until a status event of object with status
// and message.
func waitForEvent(t *testing.T, events <-chan action.Event, object, status, message string) {
	t.Helper()
	var seen []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Type == action.EventStatus && e.Object == object && e.Status == status && e.Message == message {
				return
			}
			seen = append(seen, string(e.Type)+" "+e.Object+" "+e.Status+" "+e.Message)
		case <-timeout:
			t.Fatalf("no %s %s %q event; seen:\n%s", object, status, message, strings.Join(seen, "\n"))
		}
	}
}

// TestUninstallCascade: the propagation policy reaches the API server,
// which marks the objects for the garbage collector (not running here)
// with the matching finalizer.
func TestUninstallCascade(t *testing.T) {
	for _, tc := range []struct {
		cascade   string
		finalizer string
	}{
		{"foreground", metav1.FinalizerDeleteDependents},
		{"orphan", metav1.FinalizerOrphanDependents},
	} {
		t.Run(tc.cascade, func(t *testing.T) {
			cfg, dyn := newConfig(t)
			if _, _, err := action.Install(t.Context(), cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
				t.Fatalf("Install: %v", err)
			}
			propagation, err := action.ParseCascade(tc.cascade)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := action.Uninstall(t.Context(), cfg, []string{"web"}, action.UninstallOptions{Propagation: propagation}); err != nil {
				t.Fatalf("Uninstall: %v", err)
			}
			a := getObject(t, dyn, configMaps, cfg.Namespace, "a")
			if a == nil || a.GetDeletionTimestamp() == nil || !slices.Contains(a.GetFinalizers(), tc.finalizer) {
				t.Errorf("ConfigMap a after uninstall --cascade %s: %v, want being deleted with finalizer %s", tc.cascade, a, tc.finalizer)
			}
		})
	}
	if _, err := action.ParseCascade("later"); err == nil || !strings.Contains(err.Error(), "use background, foreground or orphan") {
		t.Errorf("ParseCascade(later) = %v, want an error naming the values", err)
	}
}

func TestUninstallIgnoreNotFound(t *testing.T) {
	cfg, _ := newConfig(t)
	if _, err := action.Uninstall(t.Context(), cfg, []string{"ghost"}, action.UninstallOptions{}); !errors.Is(err, release.ErrNotFound) {
		t.Errorf("Uninstall of a missing release = %v, want ErrNotFound", err)
	}
	results, err := action.Uninstall(t.Context(), cfg, []string{"ghost"}, action.UninstallOptions{IgnoreNotFound: true})
	if err != nil {
		t.Fatalf("Uninstall with IgnoreNotFound: %v", err)
	}
	if diff := cmp.Diff([]action.UninstallResult{{Name: "ghost", NotFound: true}}, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}
