package release

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	chartDigest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	valuesDigest = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	commit       = "89ABCDEF0123456789abcdef0123456789abcdef"
)

// sampleProvenance is the provenance of a promoted revision, every field
// set.
func sampleProvenance() *Provenance {
	return &Provenance{
		Chart: &ChartSource{
			Ref: "oci://a.example/charts/web:1.2.3", Resolved: "oci://a.example/charts/web@" + chartDigest,
			Source: "oci", Digest: chartDigest,
			Signature: &SignatureCheck{Verified: true, Method: "cosign", Signer: "ci@example.com", Key: "SHA256:abc"},
		},
		ValuesDigest: valuesDigest, SourceRevision: commit, SourceRepository: "https://git.example/web",
		CI: &CIRun{System: "gitlab-ci", URL: "https://git.example/web/-/jobs/7"}, Actor: "alice", KubeUser: "ci-deployer",
		PromotedFrom: &PromotedFrom{Context: "stage", Namespace: "staging", Release: "web", Revision: 4},
	}
}

func TestProvenanceLabels(t *testing.T) {
	tests := []struct {
		name string
		p    *Provenance
		want map[string]string
	}{
		{"nil", nil, map[string]string{}},
		{"all", sampleProvenance(), map[string]string{
			LabelChartDigest: "0123456789ab", LabelValuesDigest: "fedcba987654",
			LabelSourceRevision: "89abcdef0123", LabelPromotedFrom: "staging.web.v4",
		}},
		// A revision that is not hexadecimal is kept whole when it is a
		// valid label value, and left out when it is not.
		{"tag revision", &Provenance{SourceRevision: "v1.2.3"}, map[string]string{LabelSourceRevision: "v1.2.3"}},
		{"invalid revision", &Provenance{SourceRevision: "refs/heads/main"}, map[string]string{}},
		{"short digest", &Provenance{Chart: &ChartSource{Digest: "sha256:abc"}}, map[string]string{}},
		{"long promotion", &Provenance{PromotedFrom: &PromotedFrom{
			Namespace: strings.Repeat("n", 40), Release: strings.Repeat("r", 30), Revision: 1,
		}}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, tt.p.Labels()); d != "" {
				t.Errorf("labels (-want +got):\n%s", d)
			}
		})
	}
}

// TestProvenanceLabelsReserved: the provenance labels, and any other
// berth.sh/ label, are refused as user labels.
func TestProvenanceLabelsReserved(t *testing.T) {
	for _, k := range []string{LabelChartDigest, LabelPromotedFrom, "berth.sh/anything"} {
		err := ValidateLabels(map[string]string{k: "x"})
		if err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("ValidateLabels(%s) = %v, want reserved", k, err)
		}
	}
	if err := ValidateLabels(map[string]string{"example.com/berth.sh": "x"}); err != nil {
		t.Errorf("a label merely containing berth.sh: %v", err)
	}
}

// TestProvenanceInMetadata: every driver keeps the provenance in the
// payload and in metadata, so that history and list read it, and its
// labels select revisions, while the user's labels stay the user's.
func TestProvenanceInMetadata(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.name, func(t *testing.T) {
			store, ns := d.new(t)
			rel := sample(ns, "web", 1, StatusDeployed)
			rel.Provenance = sampleProvenance()
			rel.Tests = []TestRecord{{StartedAt: t0, CompletedAt: t0, Passed: true, Tests: 1, ChartDigest: chartDigest}}
			mustCreate(t, store, rel)
			got, err := store.Get(t.Context(), "web", 1)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(rel.Provenance, got.Provenance); d != "" {
				t.Errorf("payload provenance (-want +got):\n%s", d)
			}
			if d := cmp.Diff(rel.Tests, got.Tests); d != "" {
				t.Errorf("payload tests (-want +got):\n%s", d)
			}
			history, err := store.History(t.Context(), "web")
			if err != nil {
				t.Fatal(err)
			}
			sum := history[0]
			if d := cmp.Diff(rel.Provenance, sum.Provenance); d != "" {
				t.Errorf("summary provenance (-want +got):\n%s", d)
			}
			if d := cmp.Diff(rel.Provenance.Labels(), sum.ProvenanceLabels); d != "" {
				t.Errorf("summary provenance labels (-want +got):\n%s", d)
			}
			if d := cmp.Diff(rel.Labels, sum.Labels); d != "" {
				t.Errorf("user labels (-want +got):\n%s", d)
			}
		})
	}
}

// TestProvenanceRecordMetadata: the record of a revision with provenance
// carries its labels and the provenance annotation; one without has
// neither.
func TestProvenanceRecordMetadata(t *testing.T) {
	store, ns := drivers()[1].new(t)
	with := sample(ns, "web", 1, StatusDeployed)
	with.Provenance = sampleProvenance()
	without := sample(ns, "api", 1, StatusDeployed)
	mustCreate(t, store, with, without)
	secrets := testClients(t).Kube.CoreV1().Secrets(ns)
	rec, err := secrets.Get(t.Context(), RecordName("web", 1), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range with.Provenance.Labels() {
		if rec.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, rec.Labels[k], v)
		}
	}
	if got := parseProvenanceAnnotation(rec.Annotations[AnnotationProvenance]); !cmp.Equal(got, with.Provenance) {
		t.Errorf("annotation %s = %s", AnnotationProvenance, rec.Annotations[AnnotationProvenance])
	}
	rec, err = secrets.Get(t.Context(), RecordName("api", 1), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range rec.Labels {
		if strings.HasPrefix(k, systemPrefix) {
			t.Errorf("a revision without provenance has label %s", k)
		}
	}
	if v, ok := rec.Annotations[AnnotationProvenance]; ok {
		t.Errorf("a revision without provenance has annotation %s=%s", AnnotationProvenance, v)
	}
}

// TestProvenanceAnnotationBounded: provenance too large for an annotation
// stays in the payload; a damaged annotation reads as none.
func TestProvenanceAnnotationBounded(t *testing.T) {
	big := &Provenance{Actor: strings.Repeat("a", maxProvenanceAnnotation)}
	if got := provenanceAnnotation(big); got != "" {
		t.Errorf("annotation of %d bytes of provenance kept", len(got))
	}
	if got := parseProvenanceAnnotation("{not json"); got != nil {
		t.Errorf("damaged annotation read as %+v", got)
	}
}

func TestAddTestRecordKeepsTheLatest(t *testing.T) {
	var rel Release
	for i := range MaxTestRecords + 3 {
		rel.AddTestRecord(TestRecord{Tests: i})
	}
	if len(rel.Tests) != MaxTestRecords || rel.Tests[0].Tests != 3 || rel.Tests[MaxTestRecords-1].Tests != MaxTestRecords+2 {
		t.Errorf("kept %d records, first %d, last %d", len(rel.Tests), rel.Tests[0].Tests, rel.Tests[len(rel.Tests)-1].Tests)
	}
}

func TestShortDigest(t *testing.T) {
	for in, want := range map[string]string{
		chartDigest: "0123456789ab", "0123456789ABCDEF": "0123456789ab", "sha256:xyz0123456789": "", "": "",
	} {
		if got := ShortDigest(in); got != want {
			t.Errorf("ShortDigest(%q) = %q, want %q", in, got, want)
		}
	}
}
