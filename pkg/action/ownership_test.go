package action_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

func TestInstallRefusesObjectsItDoesNotOwn(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	existing := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "b"},
	}}
	if _, err := dyn.Resource(configMaps).Namespace(cfg.Namespace).Create(ctx, existing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
	if !errors.Is(err, kube.ErrNotOwned) {
		t.Fatalf("install over an unowned object: err = %v, want ErrNotOwned", err)
	}
	if diff := cmp.Diff([]string{"1:failed"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b"}, liveNames(t, dyn, configMaps, cfg.Namespace)); diff != "" {
		t.Errorf("objects after the refused install (-want +got):\n%s", diff)
	}

	// With TakeOwnership the object is adopted, as the next revision.
	rel, _, err := action.Install(ctx, cfg, configMapChart(t), nil,
		action.InstallOptions{Name: "web", ApplySettings: action.ApplySettings{TakeOwnership: true}})
	if err != nil {
		t.Fatalf("install with TakeOwnership: %v", err)
	}
	if rel.Revision != 2 || rel.Status != release.StatusDeployed {
		t.Errorf("revision %d %s, want 2 deployed", rel.Revision, rel.Status)
	}
	b := getObject(t, dyn, configMaps, cfg.Namespace, "b")
	if got := b.GetAnnotations()[kube.AnnotationReleaseName]; got != "web" {
		t.Errorf("owner of b = %q, want web", got)
	}
}

func TestUpgradeInstallAndHooks(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	c := writeChart(t, "hooked", map[string]string{
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
		"templates/job.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hook\n  annotations:\n" +
			"    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"5\"\n",
	})
	_, _, err := action.Upgrade(ctx, cfg, c, nil, action.UpgradeOptions{Name: "hooked"})
	if !errors.Is(err, release.ErrNotFound) {
		t.Fatalf("upgrade of a missing release: err = %v, want ErrNotFound", err)
	}
	rel, _, err := action.Upgrade(ctx, cfg, c, nil, action.UpgradeOptions{Name: "hooked", Install: true})
	if err != nil {
		t.Fatalf("upgrade --install: %v", err)
	}
	if rel.Revision != 1 || rel.Description != "Install complete" {
		t.Errorf("upgrade --install recorded revision %d %q", rel.Revision, rel.Description)
	}
	stored, err := cfg.Store.Get(ctx, "hooked", 1)
	if err != nil {
		t.Fatal(err)
	}
	var hooks []string
	for _, h := range stored.Hooks {
		hooks = append(hooks, h.Kind+"/"+h.Name)
		if diff := cmp.Diff([]release.HookEvent{release.HookPreInstall, release.HookPreUpgrade}, h.Events); diff != "" {
			t.Errorf("hook events (-want +got):\n%s", diff)
		}
		if h.Weight != 5 {
			t.Errorf("hook weight = %d, want 5", h.Weight)
		}
	}
	if diff := cmp.Diff([]string{"ConfigMap/hook"}, hooks); diff != "" {
		t.Errorf("stored hooks (-want +got):\n%s", diff)
	}
	// The pre-install hook ran (and stays: before-hook-creation deletes it
	// only when it runs again); the plain object was applied.
	if diff := cmp.Diff([]string{"hook", "plain"}, liveNames(t, dyn, configMaps, cfg.Namespace)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestLiveState(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	rel, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if err := dyn.Resource(configMaps).Namespace(cfg.Namespace).Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	states, err := action.LiveState(ctx, cfg, dyn, rel)
	if err != nil {
		t.Fatalf("live state: %v", err)
	}
	var got []string
	for _, s := range states {
		got = append(got, s.Ref.String()+" "+s.State)
	}
	ns := cfg.Namespace
	want := []string{"ConfigMap/" + ns + "/a ok", "ConfigMap/" + ns + "/b missing", "ConfigMap/" + ns + "/k ok"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("live state (-want +got):\n%s", diff)
	}
}
