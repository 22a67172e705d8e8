package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/release"
)

// listLabels runs list -o json with extra flags and returns name to labels.
func listLabels(t *testing.T, conn []string, extra ...string) map[string]map[string]string {
	t.Helper()
	var rows []releaseSummary
	out := runOK(t, append(append([]string{"list", "-o", "json"}, conn...), extra...)...)
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	got := map[string]map[string]string{}
	for _, r := range rows {
		got[r.Name] = r.Labels
	}
	return got
}

func TestReleaseLabels(t *testing.T) {
	conn := clusterArgs(t)
	ns := conn[3]
	chartDir := releaseChart(t)
	runOK(t, append([]string{"install", "web", chartDir, "--labels", "team=web,tier=front"}, conn...)...)
	runOK(t, append([]string{"install", "db", chartDir, "-l", "team=data"}, conn...)...)
	runOK(t, append([]string{"install", "plain", chartDir}, conn...)...)

	// The labels are on the record itself, so that list selects with a
	// metadata-only LIST.
	client := kubernetes.NewForConfigOrDie(testenv.Config(t))
	rec, err := client.CoreV1().Secrets(ns).Get(t.Context(), release.RecordName("web", 1), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Labels["team"] != "web" || rec.Labels["tier"] != "front" || rec.Labels["owner"] != "berth" {
		t.Errorf("record labels %v", rec.Labels)
	}

	selects := []struct {
		selector string
		want     []string
	}{
		{"team=web", []string{"web"}},
		{"team in (web,data)", []string{"db", "web"}},
		{"team!=web", []string{"db", "plain"}},
		{"!team", []string{"plain"}},
		{"name=db", []string{"db"}},
		{"status=deployed,tier=front", []string{"web"}},
	}
	for _, s := range selects {
		got := listLabels(t, conn, "-l", s.selector)
		var names []string
		for n := range got {
			names = append(names, n)
		}
		if diff := cmp.Diff(s.want, slices.Sorted(slices.Values(names))); diff != "" {
			t.Errorf("list -l %q (-want +got):\n%s", s.selector, diff)
		}
	}

	// Upgrade merges labels over the current revision's; k=null removes one.
	runOK(t, append([]string{"upgrade", "web", chartDir, "--labels", "tier=back,team=null,env=prod"}, conn...)...)
	if diff := cmp.Diff(map[string]string{"tier": "back", "env": "prod"}, listLabels(t, conn)["web"]); diff != "" {
		t.Errorf("labels after upgrade (-want +got):\n%s", diff)
	}
	runOK(t, append([]string{"upgrade", "web", chartDir}, conn...)...)
	if diff := cmp.Diff(map[string]string{"tier": "back", "env": "prod"}, listLabels(t, conn)["web"]); diff != "" {
		t.Errorf("labels after an upgrade without --labels (-want +got):\n%s", diff)
	}
	// A rollback goes back to the target revision's labels.
	runOK(t, append([]string{"rollback", "web", "1"}, conn...)...)
	if diff := cmp.Diff(map[string]string{"team": "web", "tier": "front"}, listLabels(t, conn)["web"]); diff != "" {
		t.Errorf("labels after rollback to 1 (-want +got):\n%s", diff)
	}

	for _, bad := range []struct{ labels, want string }{
		{"status=x", `label "status" is reserved`},
		{"a b=c", `label key "a b"`},
	} {
		code, _, stderr := run(t, append([]string{"install", "bad", chartDir, "--labels", bad.labels}, conn...)...)
		if code != ExitError || !strings.Contains(stderr, bad.want) {
			t.Errorf("--labels %q: exit %d, %s", bad.labels, code, stderr)
		}
	}
	if code, _, stderr := run(t, append([]string{"list", "-l", "team in (web"}, conn...)...); code != ExitUsage || !strings.Contains(stderr, "invalid --selector") {
		t.Errorf("bad selector: exit %d, %s", code, stderr)
	}
}

func TestListHelmFlags(t *testing.T) {
	conn := clusterArgs(t)
	chartDir := releaseChart(t)
	for _, name := range []string{"b", "a", "c"} {
		runOK(t, append([]string{"install", name, chartDir}, conn...)...)
	}
	names := func(out string) []string {
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			got = append(got, strings.Fields(line)[0])
		}
		return got
	}
	out := runOK(t, append([]string{"list", "--no-headers"}, conn...)...)
	if diff := cmp.Diff([]string{"a", "b", "c"}, names(out)); diff != "" {
		t.Errorf("list --no-headers (-want +got):\n%s", diff)
	}
	out = runOK(t, append([]string{"list", "--no-headers", "--date"}, conn...)...)
	if diff := cmp.Diff([]string{"b", "a", "c"}, names(out)); diff != "" {
		t.Errorf("list --date: oldest first (-want +got):\n%s", diff)
	}
	out = runOK(t, append([]string{"list", "--no-headers", "-d", "-r"}, conn...)...)
	if diff := cmp.Diff([]string{"c", "a", "b"}, names(out)); diff != "" {
		t.Errorf("list -d -r (-want +got):\n%s", diff)
	}
	out = runOK(t, append([]string{"list", "--time-format", "2006|01"}, conn...)...)
	if !strings.Contains(out, "|") || strings.Contains(out, " UTC") {
		t.Errorf("list --time-format 2006|01:\n%s", out)
	}
}
