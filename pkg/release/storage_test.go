package release

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStorageCreateGet(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			want := sample(ns, "web", 1, StatusDeployed)
			mustCreate(t, s, want)
			if want.ResourceVersion == "" {
				t.Error("Create did not set ResourceVersion")
			}
			got, err := s.Get(t.Context(), "web", 1)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
			if _, err := s.Get(t.Context(), "web", 2); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get missing revision: got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStorageCreateNeverOverwrites(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			mustCreate(t, s, sample(ns, "web", 1, StatusDeployed))
			again := sample(ns, "web", 1, StatusFailed)
			again.Description = "second writer"
			err := s.Create(t.Context(), again)
			if !errors.Is(err, ErrExists) {
				t.Fatalf("second Create: got %v, want ErrExists", err)
			}
			got, err := s.Get(t.Context(), "web", 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != StatusDeployed || got.Description != "Install complete" {
				t.Errorf("record was overwritten: status %s, description %q", got.Status, got.Description)
			}
		})
	}
}

func TestStorageUpdate(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			mustCreate(t, s, sample(ns, "web", 1, StatusPendingInstall))
			first, err := s.Get(t.Context(), "web", 1)
			if err != nil {
				t.Fatal(err)
			}
			second, err := s.Get(t.Context(), "web", 1)
			if err != nil {
				t.Fatal(err)
			}

			first.Status = StatusDeployed
			if err := s.Update(t.Context(), first); err != nil {
				t.Fatalf("Update: %v", err)
			}
			second.Status = StatusFailed
			if err := s.Update(t.Context(), second); !errors.Is(err, ErrConflict) {
				t.Errorf("Update of a stale copy: got %v, want ErrConflict", err)
			}
			first.Description = "Upgrade complete"
			if err := s.Update(t.Context(), first); err != nil {
				t.Errorf("Update after own update: %v", err)
			}
			got, err := s.Get(t.Context(), "web", 1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first, got); diff != "" {
				t.Errorf("after updates (-want +got):\n%s", diff)
			}

			unread := sample(ns, "web", 1, StatusFailed)
			if err := s.Update(t.Context(), unread); !errors.Is(err, ErrConflict) {
				t.Errorf("Update without ResourceVersion: got %v, want ErrConflict", err)
			}
			missing := sample(ns, "web", 7, StatusFailed)
			missing.ResourceVersion = got.ResourceVersion
			if err := s.Update(t.Context(), missing); !errors.Is(err, ErrNotFound) {
				t.Errorf("Update of a missing revision: got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStorageValidates(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Release)
		want   string
	}{
		{"empty name", func(r *Release) { r.Name = "" }, "release name is empty"},
		{"bad name", func(r *Release) { r.Name = "Web_1" }, `release name "Web_1" is invalid`},
		{"long name", func(r *Release) { r.Name = strings.Repeat("a", 54) }, "longer than 53"},
		{"revision 0", func(r *Release) { r.Revision = 0 }, "revision 0 is not positive"},
		{"bad status", func(r *Release) { r.Status = "done" }, `unknown status "done"`},
		{"reserved label", func(r *Release) { r.Labels = map[string]string{"status": "x"} }, `label "status" is reserved`},
		{"bad label key", func(r *Release) { r.Labels = map[string]string{"a b": "x"} }, `label key "a b"`},
		{"bad label value", func(r *Release) { r.Labels = map[string]string{"a": "-x-"} }, `label a="-x-"`},
	}
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			for _, tt := range tests {
				rel := sample(ns, "web", 1, StatusDeployed)
				tt.mutate(rel)
				err := s.Create(t.Context(), rel)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: Create error %v, want it to contain %q", tt.name, err, tt.want)
				}
			}
		})
	}
}

func TestStorageHistoryListDelete(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			mustCreate(t, s,
				sample(ns, "web", 2, StatusDeployed),
				sample(ns, "web", 1, StatusSuperseded),
				sample(ns, "web", 3, StatusFailed),
				sample(ns, "db", 1, StatusDeployed),
			)
			history, err := s.History(t.Context(), "web")
			if err != nil {
				t.Fatal(err)
			}
			want := []Summary{
				sample(ns, "web", 1, StatusSuperseded).Summary(),
				sample(ns, "web", 2, StatusDeployed).Summary(),
				sample(ns, "web", 3, StatusFailed).Summary(),
			}
			if diff := cmp.Diff(want, history); diff != "" {
				t.Errorf("History (-want +got):\n%s", diff)
			}
			if _, err := s.History(t.Context(), "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("History of unknown release: got %v, want ErrNotFound", err)
			}

			listTests := []struct {
				filter Filter
				want   []string
			}{
				{Filter{}, []string{"db/1", "web/1", "web/2", "web/3"}},
				{Filter{Name: "web"}, []string{"web/1", "web/2", "web/3"}},
				{Filter{Statuses: []Status{StatusDeployed}}, []string{"db/1", "web/2"}},
				{Filter{Name: "web", Statuses: []Status{StatusFailed, StatusSuperseded}}, []string{"web/1", "web/3"}},
				{Filter{Name: "Not_A_Name"}, []string{}},
			}
			for _, lt := range listTests {
				got, err := s.List(t.Context(), lt.filter)
				if err != nil {
					t.Fatalf("List(%+v): %v", lt.filter, err)
				}
				if diff := cmp.Diff(lt.want, keys(got)); diff != "" {
					t.Errorf("List(%+v) (-want +got):\n%s", lt.filter, diff)
				}
			}

			if err := s.Delete(t.Context(), "web", 1); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := s.Delete(t.Context(), "web", 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("second Delete: got %v, want ErrNotFound", err)
			}
			history, err = s.History(t.Context(), "web")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{2, 3}, revisions(history)); diff != "" {
				t.Errorf("History after Delete (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStorageLastDeployed(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			s, ns := d.new(t)
			mustCreate(t, s,
				sample(ns, "web", 1, StatusSuperseded),
				sample(ns, "web", 2, StatusDeployed),
				sample(ns, "web", 3, StatusFailed),
				sample(ns, "new", 1, StatusPendingInstall),
			)
			last, err := Last(t.Context(), s, "web")
			if err != nil || last.Revision != 3 {
				t.Errorf("Last = %v, %v; want revision 3", revisionOf(last), err)
			}
			deployed, err := Deployed(t.Context(), s, "web")
			if err != nil || deployed.Revision != 2 {
				t.Errorf("Deployed = %v, %v; want revision 2", revisionOf(deployed), err)
			}
			if _, err := Deployed(t.Context(), s, "new"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Deployed of a never deployed release: got %v, want ErrNotFound", err)
			}
			if _, err := Last(t.Context(), s, "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Last of unknown release: got %v, want ErrNotFound", err)
			}
		})
	}
}

func revisionOf(r *Release) int {
	if r == nil {
		return 0
	}
	return r.Revision
}

func keys(sums []Summary) []string {
	out := []string{}
	for _, s := range sums {
		out = append(out, s.Name+"/"+itoa(s.Revision))
	}
	return out
}
