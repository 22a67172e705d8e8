package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUpgradeValuesFlags(t *testing.T) {
	conn := clusterArgs(t)
	chartDir := releaseChart(t)
	runOK(t, append([]string{"upgrade", "web", chartDir, "--install", "--set", "color=blue"}, conn...)...)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no values reuse the last", nil, "color: blue\n"},
		{"reuse-values merges", []string{"--reuse-values", "--set", "second=false"}, "color: blue\nsecond: false\n"},
		{"reset-values drops them", []string{"--reset-values", "--set", "second=true"}, "second: true\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runOK(t, append(append([]string{"upgrade", "web", chartDir}, tt.args...), conn...)...)
			got := runOK(t, append([]string{"get", "values", "web"}, conn...)...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUninstallJSONAndErrors(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	runOK(t, append([]string{"install", "web", releaseChart(t)}, conn...)...)
	code, _, stderr := run(t, append([]string{"rollback", "web"}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "no revision to roll back to") {
		t.Errorf("rollback of a single revision: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, append([]string{"rollback", "web", "zero"}, conn...)...)
	if code != ExitUsage || !strings.Contains(stderr, `invalid REVISION "zero"`) {
		t.Errorf("rollback with a bad revision: exit %d, stderr %q", code, stderr)
	}
	out := runOK(t, append([]string{"uninstall", "web", "-o", "json"}, conn...)...)
	var reports []releaseReport
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	var got []string
	for _, r := range reports {
		got = append(got, r.Name+" "+r.Status)
		for _, c := range r.Changes {
			got = append(got, c.Object+" "+c.Action)
		}
	}
	want := []string{"web uninstalled", "ConfigMap/" + ns + "/web-first deleted", "ConfigMap/" + ns + "/web-second deleted"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uninstall report (-want +got):\n%s", diff)
	}
	code, _, stderr = run(t, append([]string{"uninstall", "web"}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "release not found") {
		t.Errorf("uninstall of a missing release: exit %d, stderr %q", code, stderr)
	}
}
