package release

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv"
)

// TestListPages checks that List reads every page of a listing longer
// than one page, in order, and keeps what summaries need of each record.
func TestListPages(t *testing.T) {
	defer func(n int64) { listPageSize = n }(listPageSize)
	listPageSize = 3
	ns := testenv.Namespace(t)
	for _, s := range []*KubeStore{NewSecrets(testClients(t), ns), NewConfigMaps(testClients(t), ns)} {
		var want []string
		for r := 1; r <= 10; r++ {
			status := StatusSuperseded
			if r == 10 {
				status = StatusDeployed
			}
			mustCreate(t, s, sample(ns, "web", r, status))
			want = append(want, fmt.Sprintf("%d:%s", r, status))
		}
		mustCreate(t, s, sample(ns, "db", 1, StatusDeployed))
		history, err := s.History(t.Context(), "web")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sum := range history {
			got = append(got, fmt.Sprintf("%d:%s", sum.Revision, sum.Status))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: history over pages of 3 (-want +got):\n%s", s.objects.kind(), diff)
		}
		all, err := s.List(t.Context(), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 11 || len(Latest(all)) != 2 {
			t.Errorf("%s: List over pages of 3: %d revisions, %d releases, want 11 and 2", s.objects.kind(), len(all), len(Latest(all)))
		}
	}
}
