package signing

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/berth-sh/berth/pkg/oci"
)

// Media types, predicate and annotations of cosign's signatures, as cosign
// v3 writes them (cmd/cosign/cli/sign, pkg/oci/remote/write.go).
const (
	// BundleMediaType is the artifact type of a signature referrer and the
	// media type of its one layer: a Sigstore bundle, v0.3.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SignPredicateType is the in-toto predicate of cosign sign's
	// statement: "this digest is signed".
	SignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	// InTotoPayloadType is the DSSE payload type of an in-toto statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
	// inTotoStatementType is the statement's _type.
	inTotoStatementType = "https://in-toto.io/Statement/v1"

	annotationCreated             = "org.opencontainers.image.created"
	annotationBundleContent       = "dev.sigstore.bundle.content"
	annotationBundlePredicateType = "dev.sigstore.bundle.predicateType"

	// SimpleSigningMediaType is the layer media type of cosign's legacy
	// signatures, in the sha256-HEX.sig tag.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// annotationLegacySignature holds a legacy layer's base64 signature.
	annotationLegacySignature = "dev.cosignproject.cosign/signature"
	// legacySignatureType is the critical.type of a simple-signing payload.
	legacySignatureType = "cosign container image signature"
)

// statement is the in-toto statement cosign signs for an image: the
// manifest digest as its subject and an empty predicate.
type statement struct {
	Type          string             `json:"_type"`
	Subject       []statementSubject `json:"subject"`
	PredicateType string             `json:"predicateType"`
	Predicate     map[string]any     `json:"predicate"`
}

type statementSubject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// SignResult is what Sign attached.
type SignResult struct {
	// Ref is the chart signed, by digest.
	Ref string `json:"ref"`
	// Digest is the chart's manifest digest, the one signed.
	Digest string `json:"digest"`
	// Signature is the digest of the signature's referrer manifest.
	Signature string `json:"signature"`
	// Key is the fingerprint of the signing key's public half.
	Key string `json:"key"`
	// Format is always "sigstore-bundle".
	Format string `json:"format"`
}

// Sign signs the manifest ref names by digest with key, as cosign sign
// --key does: a DSSE-enveloped in-toto statement of ref's digest in a
// Sigstore bundle (no transparency log entry), attached as a referrer of
// the manifest. now is the created annotation.
func Sign(ctx context.Context, client *oci.Client, ref oci.Reference, key *Key, now time.Time) (*SignResult, error) {
	if ref.Digest == "" {
		return nil, fmt.Errorf("sign %s: a digest is needed", ref)
	}
	d, err := digest.Parse(ref.Digest)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", ref, err)
	}
	payload, err := json.Marshal(statement{
		Type:          inTotoStatementType,
		Subject:       []statementSubject{{Digest: map[string]string{d.Algorithm().String(): d.Encoded()}}},
		PredicateType: SignPredicateType,
		Predicate:     map[string]any{},
	})
	if err != nil {
		return nil, fmt.Errorf("sign %s: encode statement: %w", ref, err)
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: InTotoPayloadType}, key, sign.BundleOptions{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", ref, err)
	}
	bundleJSON, err := marshalBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", ref, err)
	}
	desc, err := client.Attach(ctx, ref, oci.Artifact{
		ArtifactType: BundleMediaType,
		Layers:       []oci.Blob{{MediaType: BundleMediaType, Data: bundleJSON}},
		Annotations: map[string]string{
			annotationCreated:             now.UTC().Format(time.RFC3339),
			annotationBundleContent:       "dsse-envelope",
			annotationBundlePredicateType: SignPredicateType,
		},
	})
	if err != nil {
		return nil, err
	}
	return &SignResult{
		Ref: ref.String(), Digest: ref.Digest, Signature: desc.Digest.String(),
		Key: key.Fingerprint(), Format: FormatBundle,
	}, nil
}

// digestBytes splits "sha256:HEX" into the algorithm and the raw digest.
func digestBytes(dgst string) (string, []byte, error) {
	d, err := digest.Parse(dgst)
	if err != nil {
		return "", nil, err
	}
	raw, err := hex.DecodeString(d.Encoded())
	return d.Algorithm().String(), raw, err
}
