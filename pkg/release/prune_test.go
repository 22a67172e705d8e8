package release

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPrune(t *testing.T) {
	tests := []struct {
		name        string
		statuses    []Status // of revisions 1, 2, ...
		max         int
		wantDeleted []int
		wantLeft    []int
	}{
		{
			name:        "keeps newest and last deployed",
			statuses:    []Status{StatusSuperseded, StatusSuperseded, StatusDeployed, StatusFailed, StatusFailed},
			max:         2,
			wantDeleted: []int{1, 2, 4},
			wantLeft:    []int{3, 5},
		},
		{
			name:        "deployed is the oldest",
			statuses:    []Status{StatusDeployed, StatusFailed, StatusFailed, StatusFailed},
			max:         2,
			wantDeleted: []int{2, 3},
			wantLeft:    []int{1, 4},
		},
		{
			name:        "nothing deployed",
			statuses:    []Status{StatusFailed, StatusFailed, StatusFailed},
			max:         1,
			wantDeleted: []int{1, 2},
			wantLeft:    []int{3},
		},
		{
			name:        "the deployed one is kept, newer ones go",
			statuses:    []Status{StatusSuperseded, StatusDeployed, StatusFailed},
			max:         1,
			wantDeleted: []int{1, 3},
			wantLeft:    []int{2},
		},
		{
			name:     "within limit",
			statuses: []Status{StatusSuperseded, StatusDeployed},
			max:      2,
			wantLeft: []int{1, 2},
		},
		{
			name:     "no limit",
			statuses: []Status{StatusSuperseded, StatusSuperseded, StatusDeployed},
			max:      0,
			wantLeft: []int{1, 2, 3},
		},
	}
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			for i, tt := range tests {
				name := "rel" + itoa(i)
				for rev, status := range tt.statuses {
					mustCreate(t, s, sample(ns, name, rev+1, status))
				}
				deleted, err := Prune(t.Context(), s, name, tt.max)
				if err != nil {
					t.Fatalf("%s: Prune: %v", tt.name, err)
				}
				if diff := cmp.Diff(tt.wantDeleted, revisionsOrNil(deleted)); diff != "" {
					t.Errorf("%s: deleted (-want +got):\n%s", tt.name, diff)
				}
				left, err := s.History(t.Context(), name)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.wantLeft, revisions(left)); diff != "" {
					t.Errorf("%s: left (-want +got):\n%s", tt.name, diff)
				}
			}
			deleted, err := Prune(t.Context(), s, "unknown", 1)
			if err != nil || deleted != nil {
				t.Errorf("Prune of unknown release = %v, %v; want nothing", deleted, err)
			}
		})
	}
}

func revisionsOrNil(sums []Summary) []int {
	if len(sums) == 0 {
		return nil
	}
	return revisions(sums)
}

func TestRecoverPending(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			mustCreate(t, s,
				sample(ns, "web", 1, StatusSuperseded),
				sample(ns, "web", 2, StatusDeployed),
				sample(ns, "web", 3, StatusPendingUpgrade),
				sample(ns, "other", 1, StatusPendingInstall),
			)
			now := t0.Add(time.Hour)
			recovered, err := RecoverPending(t.Context(), s, "web", now)
			if err != nil {
				t.Fatal(err)
			}
			want := sample(ns, "web", 3, StatusFailed)
			want.Description = "Upgrade interrupted: the client holding the release lock stopped"
			want.LastDeployed = now
			if diff := cmp.Diff([]Summary{want.Summary()}, recovered); diff != "" {
				t.Errorf("recovered (-want +got):\n%s", diff)
			}
			got, err := s.Get(t.Context(), "web", 3)
			if err != nil {
				t.Fatal(err)
			}
			want.ResourceVersion = got.ResourceVersion
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored revision 3 (-want +got):\n%s", diff)
			}
			history, err := s.List(t.Context(), Filter{})
			if err != nil {
				t.Fatal(err)
			}
			statuses := map[string]Status{}
			for _, h := range history {
				statuses[h.Name+"/"+itoa(h.Revision)] = h.Status
			}
			wantStatuses := map[string]Status{
				"web/1": StatusSuperseded, "web/2": StatusDeployed, "web/3": StatusFailed,
				"other/1": StatusPendingInstall,
			}
			if diff := cmp.Diff(wantStatuses, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			again, err := RecoverPending(t.Context(), s, "web", now)
			if err != nil || len(again) != 0 {
				t.Errorf("second RecoverPending = %v, %v; want nothing", again, err)
			}
		})
	}
}
