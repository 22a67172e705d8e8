package signing

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-sh/berth/pkg/oci"
)

func keysPolicy(t *testing.T, mode string, pubs ...string) *Policy {
	t.Helper()
	text := "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - name: test\n    scopes: ['*']\n    mode: " + mode + "\n    keys:\n"
	for _, p := range pubs {
		text += "      - " + p + "\n"
	}
	return writePolicy(t, t.TempDir(), text)
}

func TestSignThenVerify(t *testing.T) {
	client, reg, ref := pushedChart(t, "1.0.0")
	k := newTestKey(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

	res, err := Sign(t.Context(), client, ref, k.key, now)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if res.Digest != ref.Digest || res.Key != k.key.Fingerprint() {
		t.Errorf("sign result %+v, want digest %s and key %s", res, ref.Digest, k.key.Fingerprint())
	}
	// The chart's tag still points at the same digest: signing changed
	// nothing of the chart.
	tagged, err := client.Resolve(t.Context(), ref.WithTag("1.0.0"))
	if err != nil || tagged.Digest.String() != ref.Digest {
		t.Fatalf("tag 1.0.0 after signing: %v %v, want %s", tagged.Digest, err, ref.Digest)
	}
	checkCosignReferrer(t, client, ref, res.Signature, now)

	v := NewVerifier(keysPolicy(t, "enforce", k.pubFile))
	got, err := v.VerifyOCI(t.Context(), client, ref, "", nil, nil)
	if err != nil {
		t.Fatalf("VerifyOCI: %v", err)
	}
	want := &Signature{Format: FormatBundle, Signer: k.key.Fingerprint(), Key: k.pubFile, Manifest: res.Signature}
	if diff := cmp.Diff(want, got.Signature); diff != "" {
		t.Errorf("signature (-want +got):\n%s", diff)
	}
	if got.Digest != ref.Digest || got.Location != "oci://"+reg.Host+"/charts/app" || got.Mode != ModeEnforce {
		t.Errorf("result %+v", got)
	}
}

// checkCosignReferrer checks the referrer is what cosign sign --key v3
// writes: artifact type, one bundle layer, cosign's annotations, and a
// bundle whose DSSE payload is cosign's sign statement of the digest.
func checkCosignReferrer(t *testing.T, client *oci.Client, ref oci.Reference, sigDigest string, now time.Time) {
	t.Helper()
	refs, err := client.Referrers(t.Context(), ref, BundleMediaType)
	if err != nil || len(refs) != 1 || refs[0].Digest.String() != sigDigest {
		t.Fatalf("referrers %v %v, want the signature %s", refs, err, sigDigest)
	}
	data, err := client.FetchManifest(t.Context(), ref, refs[0])
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != BundleMediaType || len(m.Layers) != 1 || m.Layers[0].MediaType != BundleMediaType ||
		m.Subject == nil || m.Subject.Digest.String() != ref.Digest || m.Config.MediaType != ocispec.MediaTypeEmptyJSON {
		t.Fatalf("signature manifest %s", data)
	}
	wantAnn := map[string]string{
		"org.opencontainers.image.created":  now.Format(time.RFC3339),
		"dev.sigstore.bundle.content":       "dsse-envelope",
		"dev.sigstore.bundle.predicateType": SignPredicateType,
	}
	if diff := cmp.Diff(wantAnn, m.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	blob, err := client.FetchBlob(t.Context(), ref, m.Layers[0], 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		MediaType    string `json:"mediaType"`
		DSSEEnvelope struct {
			Payload     string `json:"payload"`
			PayloadType string `json:"payloadType"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(blob, &b); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	wantPayload := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"%s"}}],`+
		`"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`, strings.TrimPrefix(ref.Digest, "sha256:"))
	if b.MediaType != BundleMediaType || b.DSSEEnvelope.PayloadType != InTotoPayloadType || string(payload) != wantPayload {
		t.Errorf("bundle %s\npayload %s\nwant    %s", blob, payload, wantPayload)
	}
}

func TestVerifyRefusals(t *testing.T) {
	client, reg, ref := pushedChart(t, "1.0.0")
	trusted, other := newTestKey(t), newTestKey(t)
	signedByOther := pushTo(t, client, reg, "2.0.0")
	if _, err := Sign(t.Context(), client, signedByOther, other.key, time.Now()); err != nil {
		t.Fatal(err)
	}
	enforce := NewVerifier(keysPolicy(t, "enforce", trusted.pubFile))

	_, err := enforce.VerifyOCI(t.Context(), client, ref, "", nil, nil)
	if !errors.Is(err, ErrNotSigned) || !strings.Contains(err.Error(), "no signature the policy could check") {
		t.Errorf("unsigned chart under enforce: %v, want ErrNotSigned saying none was found", err)
	}
	_, err = enforce.VerifyOCI(t.Context(), client, signedByOther, "", nil, nil)
	if !errors.Is(err, ErrNotSigned) || !strings.Contains(err.Error(), trusted.key.Fingerprint()) ||
		!strings.Contains(err.Error(), "mode enforce") {
		t.Errorf("chart signed by another key: %v, want ErrNotSigned naming the trusted key", err)
	}

	warn := NewVerifier(keysPolicy(t, "warn", trusted.pubFile))
	res, err := warn.VerifyOCI(t.Context(), client, signedByOther, "", nil, nil)
	if err != nil || res.Verified() || res.Mode != ModeWarn || !strings.Contains(res.Failure, "none accepted") {
		t.Errorf("warn: %+v, %v; want a result with the failure and no error", res, err)
	}

	scoped := NewVerifier(writePolicy(t, t.TempDir(), "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n"+
		"  - scopes: [ghcr.io/acme]\n    keys: ["+trusted.pubFile+"]\n"))
	if _, err := scoped.VerifyOCI(t.Context(), client, ref, "", nil, nil); !errors.Is(err, ErrNoRule) {
		t.Errorf("a chart no rule covers: %v, want ErrNoRule", err)
	}
}

// TestAttestationIsNotASignature: a bundle of another predicate, signed by
// the trusted key, is not taken as the chart's signature.
func TestAttestationIsNotASignature(t *testing.T) {
	client, _, ref := pushedChart(t, "1.0.0")
	k := newTestKey(t)
	attestation := signBundleWithPredicate(t, k, ref.Digest, "https://spdx.dev/Document")
	if _, err := client.Attach(t.Context(), ref, oci.Artifact{
		ArtifactType: BundleMediaType, Layers: []oci.Blob{{MediaType: BundleMediaType, Data: attestation}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := NewVerifier(keysPolicy(t, "enforce", k.pubFile)).VerifyOCI(t.Context(), client, ref, "", nil, nil)
	if !errors.Is(err, ErrNotSigned) || !strings.Contains(err.Error(), "not a signature") {
		t.Errorf("attestation only: %v, want ErrNotSigned saying it is not a signature", err)
	}
}

func TestLegacySignature(t *testing.T) {
	client, reg, ref := pushedChart(t, "1.0.0")
	k := newTestKey(t)
	attachLegacy(t, client, ref, k, ref.Digest)
	v := NewVerifier(keysPolicy(t, "enforce", k.pubFile))
	res, err := v.VerifyOCI(t.Context(), client, ref, "", nil, nil)
	if err != nil {
		t.Fatalf("VerifyOCI: %v", err)
	}
	if res.Signature.Format != FormatLegacy || res.Signature.Signer != k.key.Fingerprint() {
		t.Errorf("signature %+v, want cosign's legacy format by %s", res.Signature, k.key.Fingerprint())
	}
	// A legacy signature of another digest, under this digest's tag.
	other := pushTo(t, client, reg, "2.0.0")
	attachLegacy(t, client, other, k, ref.Digest)
	if _, err := v.VerifyOCI(t.Context(), client, other, "", nil, nil); !errors.Is(err, ErrNotSigned) ||
		!strings.Contains(err.Error(), "the payload signs "+ref.Digest) {
		t.Errorf("a payload of another digest: %v, want ErrNotSigned naming the payload's digest", err)
	}
}

func TestVerifyArchiveWithKeyring(t *testing.T) {
	archive, err := os.ReadFile("../provenance/testdata/web-0.1.0.tgz")
	if err != nil {
		t.Fatal(err)
	}
	prov, err := os.ReadFile("../provenance/testdata/web-0.1.0.tgz.prov")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ring, err := os.ReadFile("../provenance/testdata/pubring.gpg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/ring.gpg", ring, 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(newTestKey(t).pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/cosign.pub", pub, 0o600); err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(writePolicy(t, dir, "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n"+
		"  - name: charts\n    scopes: [https://charts.example.com]\n    keyring: ring.gpg\n"+
		"  - name: keys only\n    scopes: ['*']\n    keys: [cosign.pub]\n"))
	res, err := v.VerifyArchive("https://charts.example.com/stable", "web-0.1.0.tgz", archive, prov)
	if err != nil {
		t.Fatalf("VerifyArchive: %v", err)
	}
	if res.Signature.Format != FormatProv || res.Rule != "charts" || res.Signature.Signer == "" {
		t.Errorf("result %+v %+v", res, res.Signature)
	}
	if _, err := v.VerifyArchive("https://charts.example.com/stable", "web-0.1.0.tgz", archive, nil); !errors.Is(err, ErrNotSigned) {
		t.Errorf("no .prov: %v, want ErrNotSigned", err)
	}
	if _, err := v.VerifyArchive("https://elsewhere.example.com", "web-0.1.0.tgz", archive, prov); err == nil ||
		!strings.Contains(err.Error(), "has no keyring") {
		t.Errorf("a rule without keyring: %v, want an error saying so", err)
	}
}

// TestVerifyOCIProvenanceLayer: a rule with a keyring accepts an OCI
// chart by its Helm provenance layer when it has no cosign signature.
func TestVerifyOCIProvenanceLayer(t *testing.T) {
	client, reg, _ := pushedChart(t, "1.0.0")
	archive, err := os.ReadFile("../provenance/testdata/web-0.1.0.tgz")
	if err != nil {
		t.Fatal(err)
	}
	prov, err := os.ReadFile("../provenance/testdata/web-0.1.0.tgz.prov")
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Push(t.Context(), archive, reg.Ref("charts"), oci.PushOptions{Prov: prov})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := oci.ParseReference(res.Ref)
	ref = ref.WithDigest(res.Digest)
	dir := t.TempDir()
	ring, err := os.ReadFile("../provenance/testdata/pubring.gpg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/ring.gpg", ring, 0o600); err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(writePolicy(t, dir, "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - scopes: ['*']\n    keyring: ring.gpg\n"))
	got, err := v.VerifyOCI(t.Context(), client, ref, "web-0.1.0.tgz", archive, prov)
	if err != nil {
		t.Fatalf("VerifyOCI: %v", err)
	}
	if got.Signature.Format != FormatProv || got.Digest != res.Digest {
		t.Errorf("result %+v %+v, want the provenance layer accepted for %s", got, got.Signature, res.Digest)
	}
	if _, err := v.VerifyOCI(t.Context(), client, ref, "web-0.1.0.tgz", archive, nil); !errors.Is(err, ErrNotSigned) {
		t.Errorf("without the layer: %v, want ErrNotSigned", err)
	}
}
