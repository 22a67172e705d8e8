package release

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestListExcludeStatuses checks that every driver leaves out the revisions
// of the excluded statuses, and that the last revision of each release is
// then what Latest finds, as list relies on.
func TestListExcludeStatuses(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			mustCreate(t, s,
				sample(ns, "web", 1, StatusSuperseded), sample(ns, "web", 2, StatusSuperseded), sample(ns, "web", 3, StatusDeployed),
				sample(ns, "db", 1, StatusSuperseded), sample(ns, "db", 2, StatusFailed),
			)
			got, err := s.List(t.Context(), Filter{ExcludeStatuses: []Status{StatusSuperseded}})
			if err != nil {
				t.Fatal(err)
			}
			type rev struct {
				Name     string
				Revision int
				Status   Status
			}
			var revs []rev
			for _, sum := range Latest(got) {
				revs = append(revs, rev{sum.Name, sum.Revision, sum.Status})
			}
			want := []rev{{"db", 2, StatusFailed}, {"web", 3, StatusDeployed}}
			if diff := cmp.Diff(want, revs); diff != "" {
				t.Errorf("latest revisions without superseded ones (-want +got):\n%s", diff)
			}
			if len(got) != 2 {
				t.Errorf("List returned %d revisions, want the 2 not superseded", len(got))
			}
		})
	}
}
