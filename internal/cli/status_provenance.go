package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/berth-sh/berth/pkg/release"
)

// writeProvenance prints a revision's provenance and its last test run as
// status's PROVENANCE and TESTS sections; nothing when it has none.
func writeProvenance(w io.Writer, p *release.Provenance, tests []release.TestRecord) error {
	var b strings.Builder
	line := func(key, value string) {
		if value != "" {
			fmt.Fprintf(&b, "  %s: %s\n", key, value)
		}
	}
	if p != nil {
		b.WriteString("PROVENANCE:\n")
		if c := p.Chart; c != nil {
			line("chart", strings.TrimSpace(c.Ref+" "+c.Digest))
			line("signature", signatureLine(c.Signature))
		}
		line("values", p.ValuesDigest)
		line("source", strings.TrimSpace(p.SourceRevision+" "+p.SourceRepository))
		if p.CI != nil {
			line("ci", strings.TrimSpace(p.CI.System+" "+p.CI.URL))
		}
		line("actor", p.Actor)
		line("kube user", p.KubeUser)
		if p.PromotedFrom != nil {
			line("promoted from", p.PromotedFrom.String())
		}
		if p.RollbackTo > 0 {
			line("rolled back to", fmt.Sprint(p.RollbackTo))
		}
		line("plan", p.PlanDigest)
	}
	if n := len(tests); n > 0 {
		last := tests[n-1]
		verdict := "passed"
		if !last.Passed {
			verdict = "failed: " + strings.Join(append(append([]string{}, last.Failed...), last.Skipped...), ", ")
		}
		fmt.Fprintf(&b, "TESTS: %d test(s) %s at %s\n", last.Tests, verdict, last.StartedAt.UTC().Format(time.RFC3339))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// signatureLine says how a chart's signature check went.
func signatureLine(s *release.SignatureCheck) string {
	switch {
	case s == nil:
		return ""
	case s.Verified:
		return fmt.Sprintf("verified (%s) signed by %s", s.Method, s.Signer)
	}
	return "not verified, let through in warn mode: " + s.Warning
}
