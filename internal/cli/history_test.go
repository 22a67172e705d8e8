package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// row is the part of list and history JSON rows the tests compare.
type row struct {
	Name, Namespace, Status, Chart, AppVersion, Description string
	Revision                                                int
}

func decodeRows(t *testing.T, out string) []row {
	t.Helper()
	var rows []row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	return rows
}

func TestReleaseLifecycleCommands(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	chartDir := releaseChart(t)
	runOK(t, append([]string{"install", "web", chartDir}, conn...)...)
	out := runOK(t, append([]string{"upgrade", "web", chartDir, "--set", "second=false", "-o", "json"}, conn...)...)
	var up releaseReport
	if err := json.Unmarshal([]byte(out), &up); err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, c := range up.Changes {
		changes = append(changes, c.Object+" "+c.Action)
	}
	wantChanges := []string{"ConfigMap/" + ns + "/web-first unchanged", "ConfigMap/" + ns + "/web-second deleted"}
	if diff := cmp.Diff(wantChanges, changes); diff != "" {
		t.Errorf("upgrade changes (-want +got):\n%s", diff)
	}
	runOK(t, append([]string{"rollback", "web"}, conn...)...)

	wantHistory := []row{
		{Name: "web", Namespace: ns, Revision: 1, Status: "superseded", Chart: "web-1.2.3", AppVersion: "4.5", Description: "Install complete"},
		{Name: "web", Namespace: ns, Revision: 2, Status: "superseded", Chart: "web-1.2.3", AppVersion: "4.5", Description: "Upgrade complete"},
		{Name: "web", Namespace: ns, Revision: 3, Status: "deployed", Chart: "web-1.2.3", AppVersion: "4.5", Description: "Rollback to 1"},
	}
	got := decodeRows(t, runOK(t, append([]string{"history", "web", "-o", "json"}, conn...)...))
	if diff := cmp.Diff(wantHistory, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	table := runOK(t, append([]string{"history", "web"}, conn...)...)
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 4 ||
		!strings.HasPrefix(lines[0], "REVISION") || !strings.Contains(lines[3], "Rollback to 1") {
		t.Errorf("history table:\n%s", table)
	}

	status := runOK(t, append([]string{"status", "web"}, conn...)...)
	for _, want := range []string{"STATUS: deployed", "RESOURCES:\n  ConfigMap/" + ns + "/web-first ok\n  ConfigMap/" + ns + "/web-second ok\n"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	runOK(t, append([]string{"install", "api", chartDir}, conn...)...)
	wantList := []row{
		{Name: "api", Namespace: ns, Revision: 1, Status: "deployed", Chart: "web-1.2.3", AppVersion: "4.5", Description: "Install complete"},
		{Name: "web", Namespace: ns, Revision: 3, Status: "deployed", Chart: "web-1.2.3", AppVersion: "4.5", Description: "Rollback to 1"},
	}
	if diff := cmp.Diff(wantList, decodeRows(t, runOK(t, append([]string{"list", "-o", "json"}, conn...)...))); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantList[1:], decodeRows(t, runOK(t, append([]string{"list", "-o", "json", "--filter", "^w"}, conn...)...))); diff != "" {
		t.Errorf("list --filter (-want +got):\n%s", diff)
	}
	if got := runOK(t, append([]string{"list", "--short", "--offset", "1"}, conn...)...); got != "web\n" {
		t.Errorf("list --short --offset 1 = %q, want web", got)
	}

	runOK(t, append([]string{"uninstall", "web", "--keep-history"}, conn...)...)
	runOK(t, append([]string{"uninstall", "api"}, conn...)...)
	if got := decodeRows(t, runOK(t, append([]string{"list", "-o", "json"}, conn...)...)); len(got) != 0 {
		t.Errorf("list after uninstall: %v", got)
	}
	got = decodeRows(t, runOK(t, append([]string{"list", "-o", "json", "--uninstalled"}, conn...)...))
	if len(got) != 1 || got[0].Name != "web" || got[0].Status != "uninstalled" {
		t.Errorf("list --uninstalled: %v", got)
	}
	status = runOK(t, append([]string{"status", "web"}, conn...)...)
	if !strings.Contains(status, "STATUS: uninstalled") {
		t.Errorf("status:\n%s", status)
	}
	manifest := runOK(t, append([]string{"get", "manifest", "web", "--revision", "2"}, conn...)...)
	if !strings.Contains(manifest, "name: web-first") || strings.Contains(manifest, "web-second") {
		t.Errorf("manifest of revision 2:\n%s", manifest)
	}
}
