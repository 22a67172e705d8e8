package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// minTableRows is the fewest object rows the live table shows, however
// small the terminal.
const minTableRows = 3

// liveTable is the state of the table a terminal shows: one row per
// object whose status was reported, in the order first reported.
type liveTable struct {
	rows     []*liveRow
	byObject map[string]*liveRow
	done     *action.Event
	// applied counts the objects applied (not deleted): the table shows
	// it until the first status comes, so that a long apply is seen.
	applied int
}

// liveRow is one object of the live table.
type liveRow struct {
	object, status, message string
	// first is when the object was first reported; ready when it last
	// became ready (zero while it is not).
	first, ready time.Time
}

func newLiveTable() *liveTable { return &liveTable{byObject: map[string]*liveRow{}} }

// add records e.
func (t *liveTable) add(e action.Event) {
	var status string
	switch e.Type {
	case action.EventStatus:
		status = e.Status
	case action.EventHookStarted:
		status = e.Hook + " hook running"
	case action.EventHookFinished:
		status = e.Hook + " hook " + e.Status
	case action.EventDone:
		t.done = &e
		return
	case action.EventApplied:
		if e.Action != string(kube.ActionDeleted) {
			t.applied++
		}
		return
	default:
		return
	}
	row := t.byObject[e.Object]
	if row == nil {
		row = &liveRow{object: e.Object, first: e.Time}
		t.byObject[e.Object] = row
		t.rows = append(t.rows, row)
	}
	row.status, row.message = status, e.Message
	switch {
	case !row.isReady():
		row.ready = time.Time{}
	case row.ready.IsZero():
		row.ready = e.Time
	}
}

// isReady reports whether the row's object needs nothing more: ready, or
// its hook ended.
func (r *liveRow) isReady() bool {
	return r.status == "Current" || strings.HasSuffix(r.status, " hook succeeded")
}

// render returns the lines of the table at now for a terminal of width
// columns and height lines: a header, the rows (those not ready first
// when they do not all fit), and a summary. Lines are cut to width - 1 so
// that none wraps.
func (t *liveTable) render(now time.Time, width, height int) []string {
	if len(t.rows) == 0 {
		// Applying: no status yet, only the count.
		return []string{truncate(t.summary(0), width-1)}
	}
	shown, hidden := t.visibleRows(max(height-3, minTableRows))
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "OBJECT\tSTATUS\tELAPSED\tMESSAGE")
	for _, r := range shown {
		end := now
		if !r.ready.IsZero() {
			end = r.ready
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.object, r.status, end.Sub(r.first).Round(time.Second), r.message)
	}
	_ = tw.Flush() // writes to a strings.Builder cannot fail
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	lines = append(lines, t.summary(hidden))
	for i, line := range lines {
		lines[i] = truncate(strings.TrimRight(line, " "), width-1)
	}
	return lines
}

// visibleRows returns at most limit rows, the objects not ready first,
// each group in order, and how many are left out.
func (t *liveTable) visibleRows(limit int) ([]*liveRow, int) {
	if len(t.rows) <= limit {
		return t.rows, 0
	}
	var shown []*liveRow
	for _, wantReady := range []bool{false, true} {
		for _, r := range t.rows {
			if r.isReady() == wantReady && len(shown) < limit {
				shown = append(shown, r)
			}
		}
	}
	return shown, len(t.rows) - len(shown)
}

// summary is the last line: how many objects are ready, how many rows are
// not shown, and the outcome once done.
func (t *liveTable) summary(hidden int) string {
	ready := 0
	for _, r := range t.rows {
		if r.isReady() {
			ready++
		}
	}
	s := fmt.Sprintf("%d of %d ready", ready, len(t.rows))
	if len(t.rows) == 0 {
		s = fmt.Sprintf("%d applied", t.applied)
	}
	if hidden > 0 {
		s += fmt.Sprintf(" (%d more not shown)", hidden)
	}
	if t.done != nil {
		s += "; done: " + t.done.Status
	}
	return s
}

// truncate cuts s to n runes, marking the cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if n < 1 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
