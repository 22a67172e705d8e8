package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/action"
)

var progressStart = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// at returns the time d after progressStart.
func at(d time.Duration) time.Time { return progressStart.Add(d) }

// installEvents are the events of an install of a ConfigMap, a Deployment
// that becomes available and a post-install hook.
func installEvents() []action.Event {
	return []action.Event{
		{Type: action.EventApplied, Time: at(100 * time.Millisecond), Object: "ConfigMap/prod/conf", Action: "created"},
		{Type: action.EventApplied, Time: at(120 * time.Millisecond), Object: "Deployment/prod/web", Action: "configured"},
		{Type: action.EventStatus, Time: at(200 * time.Millisecond), Object: "ConfigMap/prod/conf", Status: "Current", Message: "Resource is always ready"},
		{Type: action.EventStatus, Time: at(210 * time.Millisecond), Object: "Deployment/prod/web", Status: "InProgress", Message: "waiting for the controller to observe generation 2"},
		{Type: action.EventStatus, Time: at(900 * time.Millisecond), Object: "Deployment/prod/web", Status: "InProgress", Message: "1/3 replicas available"},
		{Type: action.EventStatus, Time: at(3200 * time.Millisecond), Object: "Deployment/prod/web", Status: "Current", Message: "Deployment is available. Replicas: 3"},
		{Type: action.EventHookStarted, Time: at(3300 * time.Millisecond), Object: "Job/prod/notify", Hook: "post-install"},
		{Type: action.EventHookFinished, Time: at(5 * time.Second), Object: "Job/prod/notify", Hook: "post-install", Status: "succeeded"},
		{Type: action.EventDone, Time: at(5100 * time.Millisecond), Status: "deployed", Message: "Install complete"},
	}
}

func TestProgressGolden(t *testing.T) {
	for _, tt := range []struct {
		name   string
		format string
	}{
		{name: "lines", format: OutputTable},
		{name: "lines-yaml", format: OutputYAML},
		{name: "json", format: OutputJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, tt.format)
			p.start = progressStart
			for _, e := range installEvents() {
				p.Event(e)
			}
			p.Close()
			p.Event(action.Event{Type: action.EventDone, Time: at(time.Minute), Status: "ignored once closed"})
			golden := filepath.Join("testdata", "progress", tt.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLiveTableRender(t *testing.T) {
	table := newLiveTable()
	for _, e := range installEvents()[:5] {
		table.add(e)
	}
	table.add(action.Event{Type: action.EventStatus, Time: at(time.Second), Object: "StatefulSet/prod/db", Status: "InProgress", Message: "0/1 replicas available: ImagePullBackOff on pod db-0"})
	now := at(12 * time.Second)
	for _, tt := range []struct {
		name          string
		width, height int
		want          []string
	}{
		{
			name: "all rows fit", width: 120, height: 40,
			want: []string{
				"OBJECT               STATUS      ELAPSED  MESSAGE",
				"ConfigMap/prod/conf  Current     0s       Resource is always ready",
				"Deployment/prod/web  InProgress  12s      1/3 replicas available",
				"StatefulSet/prod/db  InProgress  11s      0/1 replicas available: ImagePullBackOff on pod db-0",
				"1 of 3 ready",
			},
		},
		{
			name: "narrow terminal cuts lines", width: 50, height: 40,
			want: []string{
				"OBJECT               STATUS      ELAPSED  MESSAGE",
				"ConfigMap/prod/conf  Current     0s       Resour…",
				"Deployment/prod/web  InProgress  12s      1/3 re…",
				"StatefulSet/prod/db  InProgress  11s      0/1 re…",
				"1 of 3 ready",
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, table.render(now, tt.width, tt.height)); diff != "" {
				t.Errorf("render (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLiveTableHidesRowsThatDoNotFit(t *testing.T) {
	table := newLiveTable()
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		status := "Current"
		if i%2 == 1 {
			status = "InProgress"
		}
		table.add(action.Event{Type: action.EventStatus, Time: at(0), Object: "ConfigMap/ns/" + name, Status: status})
	}
	table.add(action.Event{Type: action.EventDone, Time: at(time.Second), Status: "failed"})
	got := table.render(at(time.Second), 80, 5) // room for 3 rows, at least minTableRows
	want := []string{
		"OBJECT          STATUS      ELAPSED  MESSAGE",
		"ConfigMap/ns/b  InProgress  1s",
		"ConfigMap/ns/d  InProgress  1s",
		"ConfigMap/ns/a  Current     0s",
		"3 of 5 ready (2 more not shown); done: failed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("render (-want +got):\n%s", diff)
	}
}

func TestProgressRedrawsInPlace(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{
		w: &buf, mode: progressTable, table: newLiveTable(),
		now:  func() time.Time { return at(2 * time.Second) },
		size: func() (int, int) { return 80, 24 },
	}
	p.Event(action.Event{Type: action.EventStatus, Time: at(0), Object: "ConfigMap/ns/a", Status: "InProgress", Message: "waiting"})
	p.Event(action.Event{Type: action.EventStatus, Time: at(time.Second), Object: "ConfigMap/ns/a", Status: "Current"})
	got := strings.Split(buf.String(), "\n")
	want := []string{
		"\x1b[2KOBJECT          STATUS      ELAPSED  MESSAGE",
		"\x1b[2KConfigMap/ns/a  InProgress  2s       waiting",
		"\x1b[2K0 of 1 ready",
		"\x1b[3A\x1b[2KOBJECT          STATUS   ELAPSED  MESSAGE",
		"\x1b[2KConfigMap/ns/a  Current  1s",
		"\x1b[2K1 of 1 ready",
		"",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

// While objects are applied, before any status, the table is one line
// counting them; deletions are not counted.
func TestLiveTableCountsAppliesUntilTheFirstStatus(t *testing.T) {
	table := newLiveTable()
	for _, name := range []string{"a", "b", "c"} {
		table.add(action.Event{Type: action.EventApplied, Time: at(time.Second), Object: "ConfigMap/prod/" + name, Action: "created"})
	}
	table.add(action.Event{Type: action.EventApplied, Time: at(time.Second), Object: "ConfigMap/prod/old", Action: "deleted"})
	if diff := cmp.Diff([]string{"3 applied"}, table.render(at(2*time.Second), 80, 24)); diff != "" {
		t.Errorf("render while applying (-want +got):\n%s", diff)
	}
	table.add(action.Event{Type: action.EventDone, Time: at(3 * time.Second), Status: "deployed", Message: "Install complete"})
	if diff := cmp.Diff([]string{"3 applied; done: deployed"}, table.render(at(3*time.Second), 80, 24)); diff != "" {
		t.Errorf("render when done without waiting (-want +got):\n%s", diff)
	}
	table.add(action.Event{Type: action.EventStatus, Time: at(4 * time.Second), Object: "ConfigMap/prod/a", Status: "Current", Message: "Resource is always ready"})
	if got := table.render(at(4*time.Second), 80, 24); got[len(got)-1] != "1 of 1 ready; done: deployed" {
		t.Errorf("summary once statuses come = %q, want %q", got[len(got)-1], "1 of 1 ready; done: deployed")
	}
}
