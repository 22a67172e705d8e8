package action_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

func TestInstallCRDAndCustomResource(t *testing.T) {
	cfg, dyn := newConfig(t)
	// A group per test namespace, so that reruns never meet an old CRD.
	group := cfg.Namespace + ".example.com"
	c := writeChart(t, "widgets", map[string]string{
		"crds/widget.yaml":      fmt.Sprintf(widgetCRD, group),
		"templates/widget.yaml": "apiVersion: " + group + "/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n",
	})
	if _, _, err := action.Install(t.Context(), cfg, c, nil, action.InstallOptions{Name: "widgets"}); err != nil {
		t.Fatalf("install: %v", err)
	}
	widgets := schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widgets"}
	if getObject(t, dyn, widgets, cfg.Namespace, "w") == nil {
		t.Fatal("Widget w was not created")
	}
	crd := getObject(t, dyn, schema.GroupVersionResource{
		Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions",
	}, "", "widgets."+group)
	if crd == nil {
		t.Fatal("CRD was not created")
	}
	// The crds/ files belong to no release, as in Helm: never pruned or
	// deleted with it.
	if owner := crd.GetAnnotations()["meta.berth.sh/release-name"]; owner != "" {
		t.Errorf("CRD owned by release %q, want none", owner)
	}
}

func TestInstallCreateNamespace(t *testing.T) {
	base := testenv.Namespace(t)
	ns := base + "-new"
	cfg, dyn := configFor(t, ns)
	namespaces := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	t.Cleanup(func() {
		_ = dyn.Resource(namespaces).Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	if _, _, err := action.Install(t.Context(), cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err == nil {
		t.Fatal("install into a missing namespace without CreateNamespace succeeded")
	}
	if getObject(t, dyn, namespaces, "", ns) != nil {
		t.Fatal("namespace exists before CreateNamespace")
	}
	_, _, err := action.Install(t.Context(), cfg, configMapChart(t), nil,
		action.InstallOptions{Name: "web", CreateNamespace: true})
	if err != nil {
		t.Fatalf("install with CreateNamespace: %v", err)
	}
	if getObject(t, dyn, namespaces, "", ns) == nil {
		t.Fatal("namespace was not created")
	}
	if diff := cmp.Diff([]string{"a", "b", "k"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestDryRunRecordsNothing(t *testing.T) {
	for _, mode := range []action.DryRun{action.DryRunClient, action.DryRunServer} {
		t.Run(string(mode), func(t *testing.T) {
			cfg, dyn := newConfig(t)
			rel, cs, err := action.Install(t.Context(), cfg, configMapChart(t), nil,
				action.InstallOptions{Name: "web", ApplySettings: action.ApplySettings{DryRun: mode}})
			if err != nil {
				t.Fatalf("dry-run install: %v", err)
			}
			if rel.Manifest == "" {
				t.Error("dry run rendered no manifest")
			}
			if mode == action.DryRunServer && len(cs.Entries) != 3 {
				t.Errorf("server dry run reported %d objects, want 3:\n%s", len(cs.Entries), cs)
			}
			if names := liveNames(t, dyn, configMaps, cfg.Namespace); len(names) != 0 {
				t.Errorf("dry run created %v", names)
			}
			if _, err := cfg.Store.History(t.Context(), "web"); !errors.Is(err, release.ErrNotFound) {
				t.Errorf("dry run recorded a release: err = %v", err)
			}
		})
	}
}

func TestConcurrentUpgrades(t *testing.T) {
	cfg, _ := newConfig(t)
	ctx := t.Context()
	if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// Each upgrade has its own clients and lock holder identity,
			// as separate berth processes would.
			own, _ := configFor(t, cfg.Namespace)
			_, _, errs[i] = action.Upgrade(ctx, own, configMapChart(t),
				map[string]any{"color": fmt.Sprint("c", i)},
				action.UpgradeOptions{Name: "web", ApplySettings: action.ApplySettings{
					LockTimeout: 20 * time.Second, MaxHistory: -1,
				}})
		})
	}
	wg.Wait()
	succeeded := 1 // the install
	for i, err := range errs {
		switch {
		case err == nil:
			succeeded++
		case errors.Is(err, release.ErrLocked):
		default:
			t.Errorf("upgrade %d: %v", i, err)
		}
	}
	history, err := cfg.Store.History(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	deployed := 0
	for i, s := range history {
		if s.Revision != i+1 {
			t.Errorf("revision %d at position %d: revisions are not consecutive", s.Revision, i)
		}
		if s.Status == release.StatusDeployed {
			deployed++
		}
	}
	if len(history) != succeeded || deployed != 1 {
		t.Errorf("history has %d revisions, %d deployed; want %d and 1", len(history), deployed, succeeded)
	}
}

func TestMaxHistory(t *testing.T) {
	cfg, _ := newConfig(t)
	ctx := t.Context()
	settings := action.ApplySettings{MaxHistory: 3}
	if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil,
		action.InstallOptions{Name: "web", ApplySettings: settings}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, _, err := action.Upgrade(ctx, cfg, configMapChart(t), map[string]any{"color": fmt.Sprint(i)},
			action.UpgradeOptions{Name: "web", ApplySettings: settings}); err != nil {
			t.Fatalf("upgrade %d: %v", i, err)
		}
	}
	want := []string{"3:superseded", "4:superseded", "5:deployed"}
	if diff := cmp.Diff(want, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}
