package stack

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/internal/cli/output"
	"github.com/berth-sh/berth/pkg/action"
)

// Output formats of -o.
const (
	outputTable = output.Table
	outputJSON  = output.JSON
	outputYAML  = output.YAML
)

// outputFlag is -o/--output.
type outputFlag struct{ format string }

func (o *outputFlag) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "output", "o", outputTable, "output format: table|json|yaml")
}

func (o *outputFlag) validate(e *Env) error {
	if !slices.Contains([]string{outputTable, outputJSON, outputYAML}, o.format) {
		return e.UsageError("invalid --output %q: use one of table, json, yaml", o.format)
	}
	return nil
}

// print writes v as JSON or YAML, or calls table.
func (o *outputFlag) print(w io.Writer, v any, table func(io.Writer) error) error {
	return output.Write(w, o.format, v, table)
}

// progress shows a stack run's events on stderr: one JSON object a line
// under -o json, a live table of the releases on a terminal, otherwise a
// line per release started and finished (with the environment when
// several run).
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	json  bool
	multi bool
	start time.Time
	// live is the redrawn table on a terminal, nil elsewhere.
	live *liveTable
}

func newProgress(e *Env, format string, environments int) *progress {
	p := &progress{w: e.ErrOut, json: format == outputJSON, multi: environments > 1, start: time.Now()}
	if !p.json && e.IsTerminal(e.ErrOut) {
		p.live = newLiveTable(e.ErrOut, environments)
	}
	return p
}

// Close stops the live table, which stays as drawn last.
func (p *progress) Close() {
	if p.live != nil {
		p.live.Close()
	}
}

func (p *progress) event(ev action.StackEvent) {
	if p.live != nil {
		p.live.event(ev)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		_ = json.NewEncoder(p.w).Encode(ev) //nolint:errchkjson // nowhere to report a failed write to stderr
		return
	}
	who := ev.Release
	if p.multi {
		who = label(ev.Environment) + "/" + who
	}
	elapsed := "[" + ev.Time.Sub(p.start).Round(100*time.Millisecond).String() + "] "
	var line string
	switch ev.Type {
	case action.StackEventStarted:
		line = who + ": started"
	case action.StackEventFinished:
		line = strings.TrimSuffix(who+": "+ev.Outcome+": "+ev.Message, ": ")
	case action.StackEventPruned:
		line = who + ": uninstalled (pruned)"
	case action.StackEventRelease:
		if e := ev.Event; e != nil && e.Type == action.EventStatus && e.Status != "Current" {
			line = who + ": " + strings.TrimSuffix(e.Object+": "+e.Status+": "+e.Message, ": ")
		}
	}
	if line != "" {
		_, _ = io.WriteString(p.w, elapsed+line+"\n")
	}
}

// applyDocument is stack apply -o json|yaml (docs/stacks.md).
type applyDocument struct {
	APIVersion   string                     `json:"apiVersion"`
	Kind         string                     `json:"kind"`
	Stack        string                     `json:"stack"`
	Environments []*action.StackApplyResult `json:"environments"`
}

// writeApplyTable prints one row per release and environment.
func writeApplyTable(w io.Writer, results []*action.StackApplyResult) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tRELEASE\tNAMESPACE\tOUTCOME\tREVISION\tCHART\tDETAIL")
	row := func(env string, r action.StackReleaseResult, outcome string) {
		rev := "-"
		if r.Revision > 0 {
			rev = fmt.Sprint(r.Revision)
		}
		chart := r.Chart
		if r.Version != "" {
			chart += " " + r.Version
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", label(env), r.Name, r.Namespace, outcome, rev, chart, detail(r))
	}
	for _, res := range results {
		for _, r := range res.Releases {
			row(res.Environment, r, string(r.Outcome))
		}
		for _, r := range res.Pruned {
			row(res.Environment, r, "pruned")
			if r.Error != "" {
				row(res.Environment, r, string(r.Outcome))
			}
		}
		for _, k := range res.Kept {
			fmt.Fprintf(tw, "%s\t%s\t%s\tkept\t-\t\t%s\n", label(res.Environment), k.Name, k.Namespace, k.Reason)
		}
	}
	return tw.Flush()
}

func detail(r action.StackReleaseResult) string {
	switch {
	case r.Error != "":
		return firstLine(r.Error)
	case len(r.BlockedBy) > 0:
		return "blocked by " + strings.Join(r.BlockedBy, ", ")
	case r.Reason != "":
		return r.Reason
	}
	var parts []string
	for _, k := range []string{"created", "configured", "replaced", "deleted", "unchanged"} {
		if n := r.Changes[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
