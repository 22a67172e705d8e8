package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-sh/berth/internal/testenv/tree"
	"github.com/berth-sh/berth/pkg/action"
)

// gadgetChartDir writes a chart with a CRD, of a group unique to ns, whose
// Gadgets have a status subresource, and one Gadget whose status no
// controller on the test API server writes.
func gadgetChartDir(t *testing.T, ns string) string {
	t.Helper()
	group := ns + ".gadgets.berth.sh"
	dir := filepath.Join(t.TempDir(), "gadgets")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: gadgets\nversion: 0.1.0\n",
		"crds/gadgets.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.` + group + `}
spec:
  group: ` + group + `
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
		"templates/gadget.yaml": "apiVersion: " + group + "/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {size: 1}\n",
	})
	return dir
}

// TestInstallWaitForStatus: --wait-for-status makes install wait for the
// status of a custom resource however long; a malformed kind is a usage
// error.
func TestInstallWaitForStatus(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	dir := gadgetChartDir(t, ns)
	code, _, stderr := run(t, append([]string{"install", "gadgets", dir, "--wait-for-status", "Gadget", "--timeout", "1s"}, conn...)...)
	want := "timed out after 1s waiting for 1 of 2 objects: Gadget/" + ns + "/g: waiting for status"
	if code != ExitError || !strings.Contains(stderr, want) {
		t.Errorf("install --wait-for-status Gadget: exit %d, want %d with %q\n%s", code, ExitError, want, stderr)
	}
	code, _, stderr = run(t, append([]string{"upgrade", "gadgets", dir, "--wait-for-status", "Gadget."}, conn...)...)
	if code != ExitUsage || !strings.Contains(stderr, `invalid --wait-for-status "Gadget.": use KIND or KIND.group`) {
		t.Errorf("upgrade --wait-for-status Gadget.: exit %d, want %d naming the flag\n%s", code, ExitUsage, stderr)
	}
}

// A custom resource counted ready at the end of the grace says so in the
// progress lines and the live table.
func TestProgressShowsCountedReady(t *testing.T) {
	e := action.Event{
		Type: action.EventStatus, Time: at(21 * time.Second), Object: "PrometheusRule/mon/rules",
		Status: "Current", Message: "no status from a controller within 20s; counted ready",
	}
	wantLine := "[21s] PrometheusRule/mon/rules: Current: no status from a controller within 20s; counted ready"
	if got := progressLine(e, progressStart); got != wantLine {
		t.Errorf("progress line:\n got %s\nwant %s", got, wantLine)
	}
	table := newLiveTable()
	table.add(action.Event{Type: action.EventStatus, Time: at(time.Second), Object: e.Object, Status: "InProgress", Message: "waiting for status"})
	table.add(e)
	lines := table.render(at(30*time.Second), 120, 24)
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "Current  20s      no status from a controller within 20s; counted ready") || lines[2] != "1 of 1 ready" {
		t.Errorf("live table = %q, want the object ready after 20s, counted ready", lines)
	}
}
