package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/berth-sh/berth/pkg/action"
)

// redrawInterval is how often the live table refreshes its elapsed times
// when no event arrives.
const redrawInterval = time.Second

// progressMode is how a progress shows events.
type progressMode int

const (
	// progressLines prints one line per status change: off a terminal.
	progressLines progressMode = iota
	// progressTable redraws a table of the objects in place: on a
	// terminal.
	progressTable
	// progressJSON prints every event as one JSON object per line: -o
	// json.
	progressJSON
)

// progress draws the events of an operation on stderr, as docs/output.md
// describes. Its Event method is an action.Configuration.Progress.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	mode   progressMode
	now    func() time.Time
	start  time.Time
	table  *liveTable
	size   func() (width, height int)
	drawn  int // lines of the table drawn last
	stop   chan struct{}
	closed bool
}

// newProgress returns the progress of an operation for w (stderr): JSON
// lines under -o json, a live table on a terminal, lines otherwise. Close
// it when the operation ends.
func newProgress(w io.Writer, format string) *progress {
	p := &progress{w: w, now: time.Now, table: newLiveTable()}
	p.start = p.now()
	switch {
	case format == OutputJSON:
		p.mode = progressJSON
	case IsTerminal(w):
		p.mode = progressTable
		p.size = terminalSize(w)
		p.stop = make(chan struct{})
		go p.tick()
	}
	return p
}

// terminalSize returns a function reading the size of terminal w.
func terminalSize(w io.Writer) func() (int, int) {
	return func() (int, int) {
		f, ok := w.(*os.File)
		if !ok {
			return 80, 24
		}
		width, height, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 80, 24
		}
		return width, height
	}
}

// Event shows one event.
func (p *progress) Event(e action.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	switch p.mode {
	case progressJSON:
		// Encoding an Event cannot fail; a failed write to stderr has
		// nowhere to be reported.
		_ = json.NewEncoder(p.w).Encode(e)
	case progressLines:
		if line := progressLine(e, p.start); line != "" {
			_, _ = io.WriteString(p.w, line+"\n")
		}
	case progressTable:
		p.table.add(e)
		p.redraw()
	}
}

// Close stops redrawing; the table stays as drawn last.
func (p *progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	if p.stop != nil {
		close(p.stop)
		p.redraw()
	}
}

func (p *progress) tick() {
	t := time.NewTicker(redrawInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if !p.closed {
				p.redraw()
			}
			p.mu.Unlock()
		}
	}
}

// redraw moves the cursor back over the table drawn last and draws it
// anew, each line cleared first.
func (p *progress) redraw() {
	if len(p.table.rows) == 0 && p.table.applied == 0 {
		return
	}
	width, height := p.size()
	lines := p.table.render(p.now(), width, height)
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, line := range lines {
		b.WriteString("\x1b[2K" + line + "\n")
	}
	// Clear what is left of a longer table drawn before.
	for range p.drawn - len(lines) {
		b.WriteString("\x1b[2K\n")
	}
	p.drawn = max(len(lines), p.drawn)
	_, _ = io.WriteString(p.w, b.String())
}

// progressLine is the line of e off a terminal, "" for events not shown
// there (applied objects are listed by the report at the end):
//
//	[1.2s] Deployment/ns/web: InProgress: 1/3 replicas available
func progressLine(e action.Event, start time.Time) string {
	elapsed := "[" + e.Time.Sub(start).Round(100*time.Millisecond).String() + "] "
	switch e.Type {
	case action.EventStatus:
		return elapsed + joinNonEmpty(": ", e.Object, e.Status, e.Message)
	case action.EventHookStarted:
		return elapsed + e.Object + ": " + e.Hook + " hook started"
	case action.EventHookFinished:
		return elapsed + joinNonEmpty(": ", e.Object, e.Hook+" hook "+e.Status, e.Message)
	case action.EventDone:
		return elapsed + joinNonEmpty(": ", "done", e.Status, e.Message)
	}
	return ""
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, s := range parts {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return strings.Join(kept, sep)
}

// startProgress draws the events of cfg's actions on w (stderr) in the
// way that suits w and the output format. Close it before printing the
// result.
func startProgress(cfg *action.Configuration, w io.Writer, format string) *progress {
	p := newProgress(w, format)
	cfg.Progress = p.Event
	return p
}
