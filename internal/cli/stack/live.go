package stack

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/berth-sh/berth/pkg/action"
)

// liveTable is the progress of a stack run on a terminal: one line per
// release (and environment), redrawn in place as releases start, report
// and end, and every second for the elapsed times.
type liveTable struct {
	mu     sync.Mutex
	w      io.Writer
	multi  bool
	rows   []*liveRow
	byKey  map[string]*liveRow
	drawn  int
	stop   chan struct{}
	closed bool
}

type liveRow struct {
	who      string
	state    string
	detail   string
	started  time.Time
	finished time.Time
}

func newLiveTable(w io.Writer, environments int) *liveTable {
	l := &liveTable{w: w, multi: environments > 1, byKey: map[string]*liveRow{}, stop: make(chan struct{})}
	go l.tick()
	return l
}

func (l *liveTable) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.mu.Lock()
			if !l.closed {
				l.redraw()
			}
			l.mu.Unlock()
		}
	}
}

func (l *liveTable) event(ev action.StackEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	who := ev.Release
	if l.multi {
		who = label(ev.Environment) + "/" + who
	}
	row := l.byKey[who]
	if row == nil {
		row = &liveRow{who: who}
		l.byKey[who] = row
		l.rows = append(l.rows, row)
	}
	switch ev.Type {
	case action.StackEventStarted:
		row.state, row.started = "running", ev.Time
	case action.StackEventFinished:
		row.state, row.detail, row.finished = ev.Outcome, firstLine(ev.Message), ev.Time
	case action.StackEventPruned:
		row.state, row.finished = "pruned", ev.Time
	case action.StackEventRelease:
		if e := ev.Event; e != nil && e.Type == action.EventStatus {
			row.detail = strings.TrimSuffix(e.Object+": "+e.Status+": "+e.Message, ": ")
		}
	}
	l.redraw()
}

// Close draws the table a last time and stops redrawing.
func (l *liveTable) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.stop)
		l.redraw()
	}
}

func (l *liveTable) redraw() {
	now := time.Now()
	width := slices.MaxFunc(append(l.rows, &liveRow{who: "RELEASE"}), func(a, b *liveRow) int { return len(a.who) - len(b.who) })
	var b strings.Builder
	if l.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", l.drawn)
	}
	for _, r := range l.rows {
		elapsed := ""
		switch {
		case !r.finished.IsZero() && !r.started.IsZero():
			elapsed = r.finished.Sub(r.started).Round(100 * time.Millisecond).String()
		case !r.started.IsZero():
			elapsed = now.Sub(r.started).Round(time.Second).String()
		}
		line := fmt.Sprintf("%-*s  %-9s %6s  %s", len(width.who), r.who, r.state, elapsed, r.detail)
		b.WriteString("\x1b[2K" + strings.TrimRight(line, " ") + "\n")
	}
	l.drawn = len(l.rows)
	_, _ = io.WriteString(l.w, b.String())
}
