package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// diffAPIVersion is the version of berth diff's JSON document, described
// in docs/diff-schema.md.
const diffAPIVersion = "berth.sh/diff/v1"

// diffDocument is berth diff -o json|yaml (docs/diff-schema.md).
type diffDocument struct {
	APIVersion string             `json:"apiVersion"`
	Release    diffRelease        `json:"release"`
	Summary    action.DiffSummary `json:"summary"`
	Objects    []diffObject       `json:"objects"`
}

// diffRelease names the revision the diff previews.
type diffRelease struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision"`
}

// diffObject is what would happen to one object.
type diffObject struct {
	Object  string             `json:"object"`
	Action  kube.DiffAction    `json:"action"`
	Reason  string             `json:"reason,omitempty"`
	Changes []kube.FieldChange `json:"changes,omitempty"`
}

func diffDocumentOf(res *action.DiffResult) diffDocument {
	doc := diffDocument{
		APIVersion: diffAPIVersion,
		Release:    diffRelease{Name: res.Release.Name, Namespace: res.Release.Namespace, Revision: res.Release.Revision},
		Summary:    res.Summary(),
		Objects:    []diffObject{},
	}
	for _, d := range res.Objects {
		doc.Objects = append(doc.Objects, diffObject{Object: d.Ref.String(), Action: d.Action, Reason: d.Reason, Changes: d.Changes})
	}
	return doc
}

// printDiff prints res in the format of d and, with --detailed-exitcode,
// returns a SilentError with ExitChanges when something would change.
func printDiff(f *Factory, d *diffFlags, res *action.DiffResult) error {
	doc := diffDocumentOf(res)
	err := d.output.Print(f.Out, doc, func(w io.Writer) error {
		return writeDiffText(w, res, IsTerminal(f.Out))
	})
	if err != nil {
		return err
	}
	if d.detailedExitcode && doc.Summary.Changed() {
		return &SilentError{Code: ExitChanges}
	}
	return nil
}

// ANSI colours of the diff on a terminal.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
)

// writeDiffText writes a unified diff per object that would change, then
// the summary line.
func writeDiffText(w io.Writer, res *action.DiffResult, color bool) error {
	var b strings.Builder
	for _, d := range res.Objects {
		if d.Action == kube.DiffUnchanged {
			continue
		}
		text, err := kube.UnifiedDiff(d.Ref.String(), d.Live, d.Merged)
		if err != nil {
			return err
		}
		header := fmt.Sprintf("%s: %s", d.Ref, d.Action)
		if d.Reason != "" {
			header += " (" + d.Reason + "; shown as rendered)"
		}
		b.WriteString(paint(color, ansiBold, "# "+header) + "\n")
		for _, line := range strings.SplitAfter(text, "\n") {
			b.WriteString(colorLine(color, line))
		}
	}
	b.WriteString(summaryLine(res.Summary()) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// colorLine paints one line of a unified diff.
func colorLine(color bool, line string) string {
	if !color || line == "" {
		return line
	}
	body := strings.TrimSuffix(line, "\n")
	nl := line[len(body):]
	switch {
	case strings.HasPrefix(body, "---"), strings.HasPrefix(body, "+++"):
		return paint(true, ansiBold, body) + nl
	case strings.HasPrefix(body, "@@"):
		return paint(true, ansiCyan, body) + nl
	case strings.HasPrefix(body, "+"):
		return paint(true, ansiGreen, body) + nl
	case strings.HasPrefix(body, "-"):
		return paint(true, ansiRed, body) + nl
	}
	return line
}

func paint(color bool, code, s string) string {
	if !color {
		return s
	}
	return code + s + ansiReset
}

// summaryLine is "3 to change, 1 to create, 2 to delete, 5 unchanged"
// (after "1 to replace, " when objects need replacing), or "No changes: 5
// unchanged".
func summaryLine(s action.DiffSummary) string {
	if !s.Changed() {
		return fmt.Sprintf("No changes: %d unchanged", s.Unchanged)
	}
	line := fmt.Sprintf("%d to change, %d to create, %d to delete, %d unchanged", s.Change, s.Create, s.Delete, s.Unchanged)
	if s.Replace > 0 {
		line = fmt.Sprintf("%d to replace, ", s.Replace) + line
	}
	return line
}
