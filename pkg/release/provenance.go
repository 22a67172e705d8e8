package release

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Provenance says where a revision came from: which chart bytes, which
// values, which source revision and CI run, who deployed it and, for a
// promotion, which release it was promoted from. berth records it on every
// install, upgrade and rollback; the chart's own version is never changed
// for it. Every field is optional: revisions recorded before berth kept
// provenance, or imported from Helm, have none.
type Provenance struct {
	// Chart is the chart as the user named it and the digest of the bytes
	// that were deployed.
	Chart *ChartSource `json:"chart,omitempty"`
	// ValuesDigest is "sha256:HEX" of the user-supplied values (the
	// revision's Values) as canonical JSON: two revisions with equal values
	// have equal digests, whatever files and flags gave them.
	ValuesDigest string `json:"valuesDigest,omitempty"`
	// SourceRevision is the revision of the source the chart and values
	// were built from (a Git commit), from CI or --source-revision.
	SourceRevision string `json:"sourceRevision,omitempty"`
	// SourceRepository is the source's repository URL, when CI says.
	SourceRepository string `json:"sourceRepository,omitempty"`
	// CI is the CI run that deployed the revision; nil outside CI.
	CI *CIRun `json:"ci,omitempty"`
	// Actor is who ran berth: the CI's user variable, else the OS user.
	Actor string `json:"actor,omitempty"`
	// KubeUser is the user the API server authenticated berth as.
	KubeUser string `json:"kubeUser,omitempty"`
	// PromotedFrom is the release revision this one was promoted from
	// (berth promote); nil otherwise.
	PromotedFrom *PromotedFrom `json:"promotedFrom,omitempty"`
	// RollbackTo is, for a rollback, the revision whose chart, values and
	// manifest it deployed again; its Chart, ValuesDigest, SourceRevision
	// and PromotedFrom are that revision's.
	RollbackTo int `json:"rollbackTo,omitempty"`
	// PlanDigest is "sha256:HEX" of the plan file the revision was applied
	// from (upgrade --plan, promote --plan).
	PlanDigest string `json:"planDigest,omitempty"`
}

// ChartSource is where a revision's chart came from.
type ChartSource struct {
	// Ref is the chart reference as given: a path, REPO/NAME, an archive
	// URL or oci://HOST/PATH/NAME[:TAG|@DIGEST].
	Ref string `json:"ref"`
	// Resolved is the reference berth resolved Ref to (an OCI reference
	// by tag or digest, "REPO/NAME"), when it differs from Ref.
	Resolved string `json:"resolved,omitempty"`
	// Source is the kind of source: local, repository, url or oci.
	Source string `json:"source,omitempty"`
	// Digest is "sha256:HEX": an OCI chart's manifest digest, or the
	// sha256 of the chart archive; "" for a chart directory.
	Digest string `json:"digest,omitempty"`
	// Signature is the signature check made when the chart was located
	// (--verify); nil when none was made.
	Signature *SignatureCheck `json:"signature,omitempty"`
}

// SignatureCheck is what a signature check of the chart found.
type SignatureCheck struct {
	// Verified is true when a signature by a trusted key was accepted;
	// false when a trust policy rule in warn mode let the chart through
	// unverified (Warning says why).
	Verified bool `json:"verified"`
	// Method is how the chart was checked: "helm-prov" (Helm's .prov
	// files), "sigstore-bundle" (cosign), "cosign-legacy" or "notation".
	Method string `json:"method,omitempty"`
	// Signer names who signed: a key's identity or a certificate's
	// subject.
	Signer string `json:"signer,omitempty"`
	// Key identifies the key that signed (a fingerprint).
	Key string `json:"key,omitempty"`
	// Policy, Rule and Mode name the trust policy file and rule applied,
	// and its mode (enforce or warn); empty without a policy.
	Policy string `json:"policy,omitempty"`
	Rule   string `json:"rule,omitempty"`
	Mode   string `json:"mode,omitempty"`
	// Warning says why a chart let through in warn mode was not verified.
	Warning string `json:"warning,omitempty"`
}

// CIRun is the CI run that deployed a revision.
type CIRun struct {
	// System is the CI system: github-actions, gitlab-ci, jenkins,
	// buildkite, circleci, azure-pipelines, bitbucket-pipelines,
	// travis-ci, or "ci" for one berth does not know (CI=true).
	System string `json:"system,omitempty"`
	// URL is the run's (or job's) web page.
	URL string `json:"url,omitempty"`
}

// PromotedFrom names the release revision a promotion deployed again.
type PromotedFrom struct {
	// Context is the kubeconfig context of the source; "" when it is the
	// target's.
	Context string `json:"context,omitempty"`
	// Namespace, Release and Revision name the source revision.
	Namespace string `json:"namespace"`
	Release   string `json:"release"`
	Revision  int    `json:"revision"`
	// ChartRef is the reference the source deployed its chart from, when
	// the promotion took the chart from elsewhere (--copy-to).
	ChartRef string `json:"chartRef,omitempty"`
}

// String returns the source as context/namespace/release@revision (without
// the context when there is none).
func (p *PromotedFrom) String() string {
	s := p.Namespace + "/" + p.Release + "@" + strconv.Itoa(p.Revision)
	if p.Context != "" {
		s = p.Context + "/" + s
	}
	return s
}

// TestRecord is one run of a revision's tests (berth test), kept with the
// revision so that a promotion can require that they passed.
type TestRecord struct {
	// StartedAt and CompletedAt time the run.
	StartedAt   time.Time `json:"startedAt"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
	// Passed is true when every test ran and succeeded.
	Passed bool `json:"passed"`
	// Tests is how many test hooks the revision has; Failed names those
	// that failed, Skipped those that did not run.
	Tests   int      `json:"tests"`
	Failed  []string `json:"failed,omitempty"`
	Skipped []string `json:"skipped,omitempty"`
	// ChartDigest is the digest of the chart tested (the revision's).
	ChartDigest string `json:"chartDigest,omitempty"`
}

// MaxTestRecords is how many test runs a revision keeps, the latest.
const MaxTestRecords = 10

// AddTestRecord appends run to the revision's test records, dropping the
// oldest beyond MaxTestRecords.
func (r *Release) AddTestRecord(run TestRecord) {
	r.Tests = append(r.Tests, run)
	if n := len(r.Tests); n > MaxTestRecords {
		r.Tests = append([]TestRecord(nil), r.Tests[n-MaxTestRecords:]...)
	}
}

// ChartDigest returns the digest of the revision's chart, "" when unknown.
func (r *Release) ChartDigest() string {
	if r.Provenance == nil || r.Provenance.Chart == nil {
		return ""
	}
	return r.Provenance.Chart.Digest
}

// Labels and annotation of a record that carry its provenance in short
// form, so that a metadata-only LIST selects releases by them (berth list
// -l berth.sh/chart-digest=0123456789ab). They are berth's: user labels
// may not use them.
const (
	// LabelChartDigest holds the first 12 hex digits of the chart digest.
	LabelChartDigest = "berth.sh/chart-digest"
	// LabelValuesDigest holds the first 12 hex digits of the values digest.
	LabelValuesDigest = "berth.sh/values-digest"
	// LabelSourceRevision holds the source revision: its first 12 digits
	// when it is hexadecimal (a Git commit), else the revision itself when
	// it is a valid label value.
	LabelSourceRevision = "berth.sh/source-revision"
	// LabelPromotedFrom holds NAMESPACE.RELEASE.vREVISION of the source of
	// a promotion, when it fits a label value.
	LabelPromotedFrom = "berth.sh/promoted-from"
	// AnnotationProvenance holds the whole provenance as JSON, so that
	// history and list read it from metadata.
	AnnotationProvenance = "berth.sh/provenance"

	// ShortDigestLength is how many hex digits of a digest the labels keep.
	ShortDigestLength = 12
	// maxProvenanceAnnotation bounds the provenance annotation; larger
	// provenance is kept in the payload only.
	maxProvenanceAnnotation = 8 << 10
)

// ShortDigest returns the first ShortDigestLength hex digits of a digest
// ("sha256:HEX" or HEX), "" when it has fewer or is not hexadecimal.
func ShortDigest(digest string) string {
	if i := strings.IndexByte(digest, ':'); i >= 0 {
		digest = digest[i+1:]
	}
	if len(digest) < ShortDigestLength || !isHex(digest) {
		return ""
	}
	return strings.ToLower(digest[:ShortDigestLength])
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return s != ""
}

// Labels returns the record labels of p: those of its fields that are set
// and fit a label value.
func (p *Provenance) Labels() map[string]string {
	out := map[string]string{}
	if p == nil {
		return out
	}
	set := func(key, value string) {
		if value != "" && len(validation.IsValidLabelValue(value)) == 0 {
			out[key] = value
		}
	}
	if p.Chart != nil {
		set(LabelChartDigest, ShortDigest(p.Chart.Digest))
	}
	set(LabelValuesDigest, ShortDigest(p.ValuesDigest))
	set(LabelSourceRevision, shortRevision(p.SourceRevision))
	if f := p.PromotedFrom; f != nil {
		set(LabelPromotedFrom, f.Namespace+"."+f.Release+".v"+strconv.Itoa(f.Revision))
	}
	return out
}

// shortRevision is the label form of a source revision.
func shortRevision(rev string) string {
	if len(rev) > ShortDigestLength && isHex(rev) {
		return strings.ToLower(rev[:ShortDigestLength])
	}
	return rev
}

// provenanceLabels lists the labels Labels may set.
var provenanceLabels = []string{LabelChartDigest, LabelValuesDigest, LabelSourceRevision, LabelPromotedFrom}

// pickProvenanceLabels returns the provenance labels of a record, nil when
// it has none.
func pickProvenanceLabels(labels map[string]string) map[string]string {
	var out map[string]string
	for _, k := range provenanceLabels {
		if v, ok := labels[k]; ok {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// provenanceAnnotation is the annotation form of p, "" when p is nil or
// too large.
func provenanceAnnotation(p *Provenance) string {
	if p == nil {
		return ""
	}
	raw, err := json.Marshal(p)
	if err != nil || len(raw) > maxProvenanceAnnotation {
		return ""
	}
	return string(raw)
}

// parseProvenanceAnnotation reads provenanceAnnotation's form back. A value
// that does not decode is ignored: provenance in metadata is a copy of the
// payload's, and a list must not fail because one record's is damaged.
func parseProvenanceAnnotation(s string) *Provenance {
	if s == "" {
		return nil
	}
	var p Provenance
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil
	}
	return &p
}
