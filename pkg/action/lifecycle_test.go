package action_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

func TestInstallUpgradeRollbackUninstall(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	ns := cfg.Namespace

	rel, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	if diff := cmp.Diff("release web revision 1\n", rel.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b", "k"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("objects after install (-want +got):\n%s", diff)
	}
	a := getObject(t, dyn, configMaps, ns, "a")
	if got := a.GetAnnotations()[kube.AnnotationReleaseName]; got != "web" {
		t.Errorf("owner annotation of a = %q, want web", got)
	}

	// Upgrade drops b and k: b is pruned, k is kept by its policy.
	_, cs, err := action.Upgrade(ctx, cfg, configMapChart(t),
		map[string]any{"color": "blue", "configmaps": []any{map[string]any{"name": "a"}}},
		action.UpgradeOptions{Name: "web"})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "k"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("objects after upgrade (-want +got):\n%s", diff)
	}
	if !slices.Contains(entryLines(cs), "ConfigMap/"+ns+"/b deleted") {
		t.Errorf("upgrade change set has no deletion of b:\n%s", cs)
	}
	if diff := cmp.Diff([]string{"1:superseded", "2:deployed"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history after upgrade (-want +got):\n%s", diff)
	}

	// A second upgrade without values reuses the user values of the last.
	rel, _, err = action.Upgrade(ctx, cfg, configMapChart(t), nil, action.UpgradeOptions{Name: "web"})
	if err != nil {
		t.Fatalf("upgrade without values: %v", err)
	}
	if got := rel.Values["color"]; got != "blue" {
		t.Errorf("reused color = %v, want blue", got)
	}

	rel, _, err = action.Rollback(ctx, cfg, "web", action.RollbackOptions{Revision: 1})
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if rel.Revision != 4 || rel.Description != "Rollback to 1" {
		t.Errorf("rollback revision %d %q, want 4 \"Rollback to 1\"", rel.Revision, rel.Description)
	}
	if diff := cmp.Diff([]string{"a", "b", "k"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("objects after rollback (-want +got):\n%s", diff)
	}
	color, _, _ := unstructured.NestedString(getObject(t, dyn, configMaps, ns, "a").Object, "data", "color")
	if color != "red" {
		t.Errorf("color after rollback = %q, want red", color)
	}
	want := []string{"1:superseded", "2:superseded", "3:superseded", "4:deployed"}
	if diff := cmp.Diff(want, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history after rollback (-want +got):\n%s", diff)
	}

	if _, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{}); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if diff := cmp.Diff([]string{"k"}, liveNames(t, dyn, configMaps, ns)); diff != "" {
		t.Errorf("objects after uninstall (-want +got):\n%s", diff)
	}
	if _, err := cfg.Store.History(ctx, "web"); !errors.Is(err, release.ErrNotFound) {
		t.Errorf("history after uninstall: err = %v, want ErrNotFound", err)
	}
}

func TestUninstallKeepHistory(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if _, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{KeepHistory: true}); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if diff := cmp.Diff([]string{"k"}, liveNames(t, dyn, configMaps, cfg.Namespace)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1:uninstalled"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	_, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{KeepHistory: true})
	if !errors.Is(err, action.ErrUninstalled) {
		t.Errorf("second uninstall: err = %v, want ErrUninstalled", err)
	}
	_, _, err = action.Upgrade(ctx, cfg, configMapChart(t), nil, action.UpgradeOptions{Name: "web"})
	if !errors.Is(err, action.ErrUninstalled) {
		t.Errorf("upgrade of an uninstalled release: err = %v, want ErrUninstalled", err)
	}
	// The name can be installed again, as the next revision, by install
	// or upgrade --install.
	rel, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
	if err != nil {
		t.Fatalf("install again: %v", err)
	}
	if rel.Revision != 2 {
		t.Errorf("revision of the new install = %d, want 2", rel.Revision)
	}
	if _, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{KeepHistory: true}); err != nil {
		t.Fatal(err)
	}
	rel, _, err = action.Upgrade(ctx, cfg, configMapChart(t), nil, action.UpgradeOptions{Name: "web", Install: true})
	if err != nil {
		t.Fatalf("upgrade --install of an uninstalled release: %v", err)
	}
	if rel.Revision != 3 || rel.Description != "Install complete" {
		t.Errorf("upgrade --install recorded revision %d %q, want 3 \"Install complete\"", rel.Revision, rel.Description)
	}
}

func TestInstallRefusesExistingRelease(t *testing.T) {
	cfg, _ := newConfig(t)
	ctx := t.Context()
	if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"})
	if !errors.Is(err, action.ErrReleaseExists) {
		t.Fatalf("second install: err = %v, want ErrReleaseExists", err)
	}
	if diff := cmp.Diff([]string{"1:deployed"}, statuses(t, cfg.Store, "web")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestFailedApplyRecordsFailedRevision(t *testing.T) {
	cfg, _ := newConfig(t)
	ctx := t.Context()
	c := writeChart(t, "bad", map[string]string{
		// The API server rejects the name: not a DNS subdomain.
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n",
	})
	_, _, err := action.Install(ctx, cfg, c, nil, action.InstallOptions{Name: "bad"})
	if err == nil {
		t.Fatal("install of an invalid object succeeded")
	}
	rel, gerr := cfg.Store.Get(ctx, "bad", 1)
	if gerr != nil {
		t.Fatalf("get revision 1: %v", gerr)
	}
	if rel.Status != release.StatusFailed {
		t.Errorf("status = %s, want failed", rel.Status)
	}
	if !strings.HasPrefix(rel.Description, "Install failed: ") || !strings.Contains(rel.Description, "Not_Valid") {
		t.Errorf("description %q does not name the failure", rel.Description)
	}
	// An upgrade of the failed release works from it.
	if _, _, err := action.Upgrade(ctx, cfg, configMapChart(t), nil, action.UpgradeOptions{Name: "bad"}); err != nil {
		t.Fatalf("upgrade after failure: %v", err)
	}
	if diff := cmp.Diff([]string{"1:failed", "2:deployed"}, statuses(t, cfg.Store, "bad")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func entryLines(cs *kube.ChangeSet) []string {
	var lines []string
	for _, e := range cs.Entries {
		lines = append(lines, e.String())
	}
	return lines
}

func TestUninstallAfterFailedUpgrade(t *testing.T) {
	cfg, dyn := newConfig(t)
	ctx := t.Context()
	if _, _, err := action.Install(ctx, cfg, configMapChart(t), nil, action.InstallOptions{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	// The failed revision renders only "extra" (and an invalid Service):
	// uninstall must still delete a and b of the deployed revision.
	broken := writeChart(t, "cms", map[string]string{
		"values.yaml":        "color: red\nconfigmaps:\n- name: extra\n",
		"templates/cms.yaml": configMapTemplate,
		"templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  type: Bogus\n  ports: [{port: 80}]\n",
	})
	if _, _, err := action.Upgrade(ctx, cfg, broken, nil, action.UpgradeOptions{Name: "web"}); err == nil {
		t.Fatal("upgrade with an invalid Service succeeded")
	}
	if _, err := action.Uninstall(ctx, cfg, []string{"web"}, action.UninstallOptions{}); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if diff := cmp.Diff([]string{"k"}, liveNames(t, dyn, configMaps, cfg.Namespace)); diff != "" {
		t.Errorf("objects after uninstall (-want +got):\n%s", diff)
	}
}
