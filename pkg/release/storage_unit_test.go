package release

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLatest(t *testing.T) {
	in := []Summary{
		{Namespace: "b", Name: "web", Revision: 1},
		{Namespace: "a", Name: "web", Revision: 3},
		{Namespace: "a", Name: "web", Revision: 2},
		{Namespace: "a", Name: "db", Revision: 1},
		{Namespace: "b", Name: "web", Revision: 2},
	}
	want := []Summary{
		{Namespace: "a", Name: "db", Revision: 1},
		{Namespace: "a", Name: "web", Revision: 3},
		{Namespace: "b", Name: "web", Revision: 2},
	}
	if diff := cmp.Diff(want, Latest(in)); diff != "" {
		t.Errorf("Latest (-want +got):\n%s", diff)
	}
	if got := Latest(nil); len(got) != 0 {
		t.Errorf("Latest(nil) = %v, want empty", got)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		status       Status
		valid, pends bool
	}{
		{StatusDeployed, true, false},
		{StatusSuperseded, true, false},
		{StatusFailed, true, false},
		{StatusUninstalled, true, false},
		{StatusUninstalling, true, false},
		{StatusUnknown, true, false},
		{StatusPendingInstall, true, true},
		{StatusPendingUpgrade, true, true},
		{StatusPendingRollback, true, true},
		{"DEPLOYED", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := tt.status.Valid(); got != tt.valid {
			t.Errorf("%q.Valid() = %v, want %v", tt.status, got, tt.valid)
		}
		if got := tt.status.IsPending(); got != tt.pends {
			t.Errorf("%q.IsPending() = %v, want %v", tt.status, got, tt.pends)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "0123456..."},
		{"ééééé", 8, "éé..."}, // cut inside a rune backs off to its start
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestSummaryOfBadMetadata(t *testing.T) {
	tests := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		want        string
	}{
		{"bad version", map[string]string{LabelVersion: "x"}, nil, `label version="x"`},
		{"bad time", map[string]string{LabelVersion: "1"}, map[string]string{AnnotationUpdated: "yesterday"}, `annotation berth.sh/updated="yesterday"`},
	}
	for _, tt := range tests {
		_, err := summaryOf("ns", tt.labels, tt.annotations)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
