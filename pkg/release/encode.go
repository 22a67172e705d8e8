package release

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Labels and annotations of stored records. The labels are Helm's (with
// owner=berth), so that selectors read the same; the annotations carry
// what list and history show, so they never decode payloads.
const (
	LabelOwner   = "owner"
	LabelName    = "name"
	LabelVersion = "version"
	LabelStatus  = "status"
	// LabelChunk marks a chunk record and holds its index.
	LabelChunk = "berth.sh/chunk"
	// LabelDigest, on a chunk, holds the short digest of the payload the
	// chunk belongs to.
	LabelDigest = "berth.sh/digest"

	AnnotationChartName    = "berth.sh/chart-name"
	AnnotationChartVersion = "berth.sh/chart-version"
	AnnotationAppVersion   = "berth.sh/app-version"
	AnnotationUpdated      = "berth.sh/updated"
	AnnotationDescription  = "berth.sh/description"
	// AnnotationDigest is the sha256 of the whole encoded payload.
	AnnotationDigest = "berth.sh/digest"
	// AnnotationChunks is the number of chunk records holding the payload;
	// absent or 0 when the record holds it itself.
	AnnotationChunks = "berth.sh/chunks"

	// OwnerBerth is the value of LabelOwner on every record berth writes.
	OwnerBerth = "berth"
	// RecordPrefix starts the name of every release record.
	RecordPrefix = "berth.release.v1."
	// maxDescription bounds the description kept in an annotation.
	maxDescription = 256
	// shortDigest is how many hex digits of the digest name chunks.
	shortDigest = 12
)

// RecordName is the name of the object holding a revision:
// berth.release.v1.<name>.v<revision>.
func RecordName(name string, revision int) string {
	return RecordPrefix + name + ".v" + strconv.Itoa(revision)
}

// chunkName is the name of chunk i of a revision's payload. The digest in
// the name keeps the chunks of an update apart from those the current
// record points to until the record is switched over.
func chunkName(head, digest string, i int) string {
	return head + "." + digest[:shortDigest] + ".c" + strconv.Itoa(i)
}

// encodePayload is the stored form of a release: gzipped JSON.
func encodePayload(rel *Release) ([]byte, error) {
	raw, err := json.Marshal(rel)
	if err != nil {
		return nil, fmt.Errorf("encode release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("compress release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress release %q revision %d: %w", rel.Name, rel.Revision, err)
	}
	return buf.Bytes(), nil
}

// maxDecodedPayload bounds a release record once decompressed, so a
// tampered record (a gzip bomb) cannot exhaust memory. The largest real
// releases (a 9.5 MB manifest) are far below it.
const maxDecodedPayload = 256 << 20

// decodePayload reads what encodePayload wrote.
func decodePayload(payload []byte) (*Release, error) {
	zr, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w: %w", ErrCorrupt, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxDecodedPayload+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w: %w", ErrCorrupt, err)
	}
	if len(raw) > maxDecodedPayload {
		return nil, fmt.Errorf("decompress: %w: the record expands past %d MiB", ErrCorrupt, maxDecodedPayload>>20)
	}
	var rel Release
	if err := json.Unmarshal(raw, &rel); err != nil {
		return nil, fmt.Errorf("decode JSON: %w: %w", ErrCorrupt, err)
	}
	return &rel, nil
}

// digestOf is the hex sha256 of a payload.
func digestOf(payload []byte) string {
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:])
}

// recordLabels are the labels of a revision's record: the user's, then
// berth's own (ValidateLabels keeps the user's from taking their names).
func recordLabels(rel *Release) map[string]string {
	out := make(map[string]string, len(rel.Labels)+8)
	maps.Copy(out, rel.Labels)
	maps.Copy(out, rel.Provenance.Labels())
	out[LabelOwner] = OwnerBerth
	out[LabelName] = rel.Name
	out[LabelVersion] = strconv.Itoa(rel.Revision)
	out[LabelStatus] = string(rel.Status)
	return out
}

// systemLabels are the labels berth sets on records; user labels may not
// use them.
var systemLabels = map[string]bool{
	LabelOwner: true, LabelName: true, LabelVersion: true, LabelStatus: true,
	LabelChunk: true, LabelDigest: true,
	LabelChartDigest: true, LabelValuesDigest: true, LabelSourceRevision: true, LabelPromotedFrom: true,
	// Helm's own, kept free so that records can be exported to Helm.
	"createdAt": true, "modifiedAt": true,
}

// systemPrefix starts the labels berth sets or may set in the future; user
// labels may not use it.
const systemPrefix = "berth.sh/"

// isSystemLabel reports whether key is berth's (or Helm's) own.
func isSystemLabel(key string) bool {
	return systemLabels[key] || strings.HasPrefix(key, systemPrefix)
}

// userLabels returns the labels of a record that are not berth's, nil
// when there are none.
func userLabels(labels map[string]string) map[string]string {
	var out map[string]string
	for k, v := range labels {
		if isSystemLabel(k) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

// ValidateLabels checks user labels for a release: valid Kubernetes label
// keys and values, and none of the names berth (or Helm) keeps for itself:
// Helm's, and every key under berth.sh/.
func ValidateLabels(labels map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if isSystemLabel(k) {
			return fmt.Errorf("label %q is reserved for berth's own records: choose another name", k)
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("label key %q: %s", k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(labels[k]); len(errs) > 0 {
			return fmt.Errorf("label %s=%q: %s", k, labels[k], strings.Join(errs, "; "))
		}
	}
	return nil
}

// recordAnnotations are the annotations of a revision's record.
func recordAnnotations(rel *Release, digest string, chunks int) map[string]string {
	a := map[string]string{
		AnnotationDigest: "sha256:" + digest,
		AnnotationChunks: strconv.Itoa(chunks),
	}
	set := func(key, value string) {
		if value != "" {
			a[key] = value
		}
	}
	set(AnnotationChartName, rel.ChartName())
	set(AnnotationChartVersion, rel.ChartVersion())
	set(AnnotationAppVersion, rel.AppVersion())
	set(AnnotationDescription, truncate(rel.Description, maxDescription))
	set(AnnotationProvenance, provenanceAnnotation(rel.Provenance))
	if !rel.LastDeployed.IsZero() {
		a[AnnotationUpdated] = rel.LastDeployed.UTC().Format(time.RFC3339Nano)
	}
	return a
}

// summaryOf reads a record's summary back from its labels and annotations.
func summaryOf(namespace string, labels, annotations map[string]string) (Summary, error) {
	revision, err := strconv.Atoi(labels[LabelVersion])
	if err != nil {
		return Summary{}, fmt.Errorf("label %s=%q: %w", LabelVersion, labels[LabelVersion], err)
	}
	s := Summary{
		Name:         labels[LabelName],
		Namespace:    namespace,
		Revision:     revision,
		Status:       Status(labels[LabelStatus]),
		ChartName:    annotations[AnnotationChartName],
		ChartVersion: annotations[AnnotationChartVersion],
		AppVersion:   annotations[AnnotationAppVersion],
		Description:  annotations[AnnotationDescription],
		Labels:       userLabels(labels),
		Provenance:   parseProvenanceAnnotation(annotations[AnnotationProvenance]),

		ProvenanceLabels: pickProvenanceLabels(labels),
	}
	if v := annotations[AnnotationUpdated]; v != "" {
		s.Updated, err = time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return Summary{}, fmt.Errorf("annotation %s=%q: %w", AnnotationUpdated, v, err)
		}
	}
	return s, nil
}

// truncate shortens s to at most n bytes on a rune boundary, marking the cut
// with "...".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
