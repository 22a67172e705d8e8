package promote

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

// report is berth promote's output (docs/output.md, docs/promotion.md).
type report struct {
	Source endReport `json:"source"`
	Target endReport `json:"target"`
	// SourceChart is what the source runs; Chart what the target got (or
	// would have).
	SourceChart *release.ChartSource `json:"sourceChart,omitempty"`
	Chart       *release.ChartSource `json:"chart,omitempty"`
	// CopiedTo is where --copy-to copied the chart, by tag.
	CopiedTo string `json:"copiedTo,omitempty"`
	// Gates are the gates asked for, in the order checked.
	Gates []gateReport `json:"gates"`
	// Refused is true when a gate refused: nothing was copied or applied.
	Refused bool `json:"refused"`
	// PlanDigest is the digest of the plan written (--out) or applied
	// (--plan).
	PlanDigest string   `json:"planDigest,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
	// Release is the target's revision, as install and upgrade report it.
	Release any `json:"release,omitempty"`

	// table is what the table format prints of the release.
	table func(io.Writer) error
}

// endReport names one side of a promotion.
type endReport struct {
	Context   string `json:"context,omitempty"`
	Namespace string `json:"namespace"`
	Release   string `json:"release"`
	Revision  int    `json:"revision,omitempty"`
}

// String is context/namespace/release@revision.
func (e endReport) String() string {
	s := e.Namespace + "/" + e.Release
	if e.Context != "" {
		s = e.Context + "/" + s
	}
	if e.Revision > 0 {
		s += fmt.Sprintf("@%d", e.Revision)
	}
	return s
}

// gateReport is one gate's verdict.
type gateReport struct {
	Gate   string `json:"gate"`
	Passed bool   `json:"passed"`
	// Reason is a refusal's stable code; omitted when passed.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
}

func (o *options) reportOf(res *action.PromoteResult, err error) report {
	r := report{
		Source: endOf(res.Source), Target: endOf(res.Target), SourceChart: res.SourceChart, Chart: res.Chart,
		CopiedTo: res.Copied, Gates: []gateReport{}, PlanDigest: res.PlanDigest, Warnings: res.Warnings,
		Refused: errors.Is(err, action.ErrPromoteRefused),
	}
	for _, g := range res.Gates {
		r.Gates = append(r.Gates, gateReport{Gate: string(g.Gate), Passed: g.Passed, Reason: g.Reason, Message: g.Message})
	}
	if res.Release != nil {
		r.Release = o.flags.Report(res.Release, res.Changes)
		rel, cs := res.Release, res.Changes
		r.table = func(w io.Writer) error { return o.flags.WriteReport(w, rel, cs) }
	}
	return r
}

func endOf(e action.PromoteEnd) endReport {
	return endReport{Context: e.Context, Namespace: e.Namespace, Release: e.Release, Revision: e.Revision}
}

// writeReport prints the report as a table: the promotion, its gates,
// then the target's revision as upgrade prints it.
func writeReport(w io.Writer, r report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "PROMOTION: %s -> %s\n", r.Source, r.Target)
	if c := r.Chart; c != nil {
		fmt.Fprintf(&b, "CHART: %s\n", c.Ref)
	}
	if r.CopiedTo != "" {
		fmt.Fprintf(&b, "COPIED TO: %s\n", r.CopiedTo)
	}
	if r.PlanDigest != "" {
		fmt.Fprintf(&b, "PLAN: %s\n", r.PlanDigest)
	}
	if len(r.Gates) > 0 {
		b.WriteString("GATES:\n")
		for _, g := range r.Gates {
			verdict := "passed"
			if !g.Passed {
				verdict = "REFUSED (" + g.Reason + ")"
			}
			fmt.Fprintf(&b, "  %s: %s: %s\n", g.Gate, verdict, g.Message)
		}
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(&b, "WARNING: %s\n", warning)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if r.table != nil {
		return r.table(w)
	}
	return nil
}
