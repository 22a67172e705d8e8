package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListAllNamespaces(t *testing.T) {
	first, second := clusterArgs(t), clusterArgs(t)
	chartDir := releaseChart(t)
	runOK(t, append([]string{"install", "list-a", chartDir}, first...)...)
	runOK(t, append([]string{"install", "list-b", chartDir}, second...)...)
	type nsName struct{ Namespace, Name string }
	names := func(rows []row) []nsName {
		var out []nsName
		for _, r := range rows {
			out = append(out, nsName{r.Namespace, r.Name})
		}
		return out
	}
	// Other tests' releases live in other namespaces: filter on the names.
	got := names(decodeRows(t, runOK(t, append([]string{"list", "-A", "--filter", "^list-", "-o", "json"}, first...)...)))
	want := []nsName{{first[3], "list-a"}, {second[3], "list-b"}}
	if first[3] > second[3] {
		want[0], want[1] = want[1], want[0]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list -A (-want +got):\n%s", diff)
	}
	got = names(decodeRows(t, runOK(t, append([]string{"list", "-o", "json"}, second...)...)))
	if diff := cmp.Diff([]nsName{{second[3], "list-b"}}, got); diff != "" {
		t.Errorf("list in one namespace (-want +got):\n%s", diff)
	}
	if got := decodeRows(t, runOK(t, append([]string{"list", "-o", "json", "--failed"}, second...)...)); len(got) != 0 {
		t.Errorf("list --failed = %v, want none", got)
	}
}
