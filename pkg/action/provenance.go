package action

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/berth-sh/berth/pkg/release"
)

// Origin is who runs berth and from where: the CI run, the actor and the
// source revision. DetectOrigin reads it from the environment; the command
// line (--source-revision, --ci-url) overrides it. Install, upgrade,
// rollback and promote record it in the revision's provenance.
type Origin struct {
	// Actor is who ran berth: the CI's user variable, else the OS user.
	Actor string
	// KubeUser is the user the API server authenticated berth as.
	KubeUser string
	// SourceRevision is the revision of the source (a Git commit).
	SourceRevision string
	// SourceRepository is the source's repository URL.
	SourceRepository string
	// CI is the CI run; nil outside CI.
	CI *release.CIRun
}

// ChartSourceOf returns the provenance of the located chart lc: ref as the
// user gave it, what it resolved to, its kind, digest and signature check.
func ChartSourceOf(ref string, lc *LocatedChart) *release.ChartSource {
	cs := &release.ChartSource{Ref: ref}
	if lc == nil {
		return cs
	}
	if lc.Ref != ref {
		cs.Resolved = lc.Ref
	}
	cs.Source, cs.Digest = string(lc.Kind), lc.Digest
	cs.Signature = signatureCheckOf(lc.Verified)
	return cs
}

// signatureCheckOf records a verification; nil when none was made.
func signatureCheckOf(v *Verification) *release.SignatureCheck {
	if v == nil {
		return nil
	}
	method := v.Method
	if method == "" && v.Warning == "" && v.Signer != "" {
		method = methodHelmProv // a keyring's check of a .prov file
	}
	return &release.SignatureCheck{
		Verified: v.Warning == "" && method != "", Method: method, Signer: v.Signer, Key: v.Fingerprint,
		Policy: v.Policy, Rule: v.Rule, Mode: v.Mode, Warning: v.Warning,
	}
}

// methodHelmProv is Verification.Method of Helm's .prov files.
const methodHelmProv = "helm-prov"

// NewProvenance returns the provenance of a revision deployed from chart
// (nil when unknown) by origin. Install and upgrade add the values digest.
func NewProvenance(chart *release.ChartSource, origin Origin) *release.Provenance {
	p := &release.Provenance{Chart: chart}
	p.SourceRevision, p.SourceRepository = origin.SourceRevision, origin.SourceRepository
	setRunner(p, origin)
	return p
}

// setRunner sets who deployed: the actor, the API server's user and the CI
// run.
func setRunner(p *release.Provenance, origin Origin) {
	p.Actor, p.KubeUser = origin.Actor, origin.KubeUser
	p.CI = nil
	if origin.CI != nil {
		ci := *origin.CI
		p.CI = &ci
	}
}

// originOf returns the runner part of p as an Origin, for the rollback an
// upgrade makes on failure: the same run.
func originOf(p *release.Provenance) *Origin {
	if p == nil {
		return nil
	}
	return &Origin{Actor: p.Actor, KubeUser: p.KubeUser, CI: p.CI}
}

// stampProvenance records p (a copy; none when nil) on rel, with the digest
// of rel's user-supplied values.
func stampProvenance(rel *release.Release, p *release.Provenance) {
	out := &release.Provenance{}
	if p != nil {
		c := *p
		out = &c
	}
	out.ValuesDigest = ValuesDigest(rel.Values)
	rel.Provenance = out
}

// rollbackProvenance is the provenance of a rollback to target: target's
// chart, values and source (what runs again), the revision rolled back to,
// and who rolled back (origin, when known).
func rollbackProvenance(target *release.Release, origin *Origin) *release.Provenance {
	p := &release.Provenance{RollbackTo: target.Revision}
	if t := target.Provenance; t != nil {
		p.Chart, p.ValuesDigest = t.Chart, t.ValuesDigest
		p.SourceRevision, p.SourceRepository, p.PromotedFrom = t.SourceRevision, t.SourceRepository, t.PromotedFrom
	}
	if p.ValuesDigest == "" {
		p.ValuesDigest = ValuesDigest(target.Values)
	}
	if origin != nil {
		setRunner(p, *origin)
	}
	return p
}

// ValuesDigest returns "sha256:HEX" of values as canonical JSON (map keys
// sorted, as encoding/json writes them); no values digest as {}.
func ValuesDigest(values map[string]any) string {
	if values == nil {
		values = map[string]any{}
	}
	raw, err := json.Marshal(values)
	if err != nil {
		// Values come from YAML or JSON and always encode; keep the
		// revision recordable if one does not.
		return ""
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// testRecordOf is the record of a test run of rel that started at start,
// ended at end with runErr, and ran runs.
func testRecordOf(rel *release.Release, runs []TestRun, runErr error, start, end time.Time) release.TestRecord {
	rec := release.TestRecord{
		StartedAt: start.UTC(), CompletedAt: end.UTC(), Tests: len(runs), ChartDigest: rel.ChartDigest(),
		Passed: runErr == nil,
	}
	for _, r := range runs {
		switch r.Phase {
		case release.HookPhaseSucceeded:
		case release.HookPhaseFailed:
			rec.Failed = append(rec.Failed, r.Name)
			rec.Passed = false
		default:
			rec.Skipped = append(rec.Skipped, r.Name)
			rec.Passed = false
		}
	}
	return rec
}

// planProvenance is the provenance of the revision plan p applies: the
// planned one (chart, values, source), with the plan's digest and, when
// known, who applies it.
func planProvenance(p *Plan, origin *Origin) *release.Provenance {
	out := &release.Provenance{}
	if p.Revision.Provenance != nil {
		c := *p.Revision.Provenance
		out = &c
	}
	if out.ValuesDigest == "" {
		out.ValuesDigest = ValuesDigest(p.Revision.Values)
	}
	out.PlanDigest = p.Digest
	if origin != nil {
		setRunner(out, *origin)
	}
	return out
}

// fileDigest is "sha256:HEX" of data.
func fileDigest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
