package signing

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Formats of the signatures berth reads.
const (
	// FormatBundle is cosign's Sigstore bundle, stored as a referrer.
	FormatBundle = "sigstore-bundle"
	// FormatLegacy is cosign's simple-signing payload in sha256-HEX.sig.
	FormatLegacy = "cosign-legacy"
	// FormatNotation is a Notation signature (JWS or COSE), a referrer.
	FormatNotation = "notation"
	// FormatProv is Helm's OpenPGP provenance file.
	FormatProv = "helm-prov"
)

// ErrNotSigned means a chart carries no signature the trust material
// accepts: none at all, or only signatures by other keys or identities.
var ErrNotSigned = errors.New("no accepted signature")

// maxSignatureSize bounds one signature blob.
const maxSignatureSize = 4 << 20

// PublicKey is a trusted cosign public key and where it came from.
type PublicKey struct {
	Key crypto.PublicKey
	// File is the PEM file it was read from.
	File string
}

// Identity is a trusted certificate identity of keyless signing: the
// certificate's subject alternative name and the OIDC issuer that vouched
// for it, each given exactly or as a regular expression.
type Identity struct {
	Issuer        string `json:"issuer,omitempty" yaml:"issuer,omitempty" doc:"OIDC issuer of the certificate, exactly"`
	IssuerRegExp  string `json:"issuerRegExp,omitempty" yaml:"issuerRegExp,omitempty" doc:"OIDC issuer, as a regular expression"`
	Subject       string `json:"subject,omitempty" yaml:"subject,omitempty" doc:"subject alternative name (an email address or a workflow URI), exactly"`
	SubjectRegExp string `json:"subjectRegExp,omitempty" yaml:"subjectRegExp,omitempty" doc:"subject alternative name, as a regular expression"`
}

// Signature is a signature that checked out.
type Signature struct {
	// Format is FormatBundle, FormatLegacy, FormatNotation or FormatProv.
	Format string `json:"format"`
	// Signer names who signed: a key fingerprint (sha256:HEX), a
	// certificate's subject alternative name or subject, or the user IDs
	// of an OpenPGP key.
	Signer string `json:"signer"`
	// Issuer is the OIDC issuer of a keyless signature's certificate.
	Issuer string `json:"issuer,omitempty"`
	// Key is the key or certificate file of the policy that accepted it.
	Key string `json:"key,omitempty"`
	// Manifest is the signature's own manifest digest in the registry.
	Manifest string `json:"manifest,omitempty"`
}

// cosignTrust is what cosign signatures are checked against.
type cosignTrust struct {
	keys        []PublicKey
	identities  []Identity
	trustedRoot root.TrustedMaterial
	// ignoreSCT drops the requirement of a signed certificate timestamp.
	ignoreSCT bool
}

// verifyBundle checks one Sigstore bundle: a DSSE envelope of cosign's
// sign statement about dgst, signed by a trusted key or, keyless, by a
// certificate of a trusted identity.
func (t *cosignTrust) verifyBundle(data []byte, dgst string) (*Signature, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	alg, raw, err := digestBytes(dgst)
	if err != nil {
		return nil, err
	}
	artifact := verify.WithArtifactDigest(alg, raw)
	var errs []error
	for _, k := range t.keys {
		sig, err := verifyBundleWithKey(&b, artifact, k)
		if err == nil {
			return sig, nil
		}
		errs = append(errs, fmt.Errorf("key %s (%s): %w", Fingerprint(k.Key), k.File, err))
	}
	if len(t.identities) > 0 && t.trustedRoot != nil {
		sig, err := t.verifyBundleKeyless(&b, artifact)
		if err == nil {
			return sig, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("the policy names no key or identity for cosign signatures")
	}
	return nil, errors.Join(errs...)
}

func verifyBundleWithKey(b *bundle.Bundle, artifact verify.ArtifactPolicyOption, k PublicKey) (*Signature, error) {
	verifier, err := signature.LoadDefaultVerifier(k.Key, sigopts.WithED25519ph())
	if err != nil {
		return nil, err
	}
	expiring := root.NewExpiringKey(verifier, time.Time{}, time.Time{})
	material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return expiring, nil })
	v, err := verify.NewVerifier(material, verify.WithNoObserverTimestamps())
	if err != nil {
		return nil, err
	}
	res, err := v.Verify(b, verify.NewPolicy(artifact, verify.WithKey()))
	if err != nil {
		return nil, err
	}
	if err := checkSignStatement(res); err != nil {
		return nil, err
	}
	return &Signature{Format: FormatBundle, Signer: Fingerprint(k.Key), Key: k.File}, nil
}

// verifyBundleKeyless checks a bundle whose certificate chains to the
// trusted root's Fulcio, with a transparency log entry (or a signed
// timestamp) proving it was made while the certificate was valid, for one
// of the trusted identities.
func (t *cosignTrust) verifyBundleKeyless(b verify.SignedEntity, artifact verify.ArtifactPolicyOption) (*Signature, error) {
	var opts []verify.VerifierOption
	if !t.ignoreSCT {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	if b.HasInclusionPromise() || b.HasInclusionProof() {
		opts = append(opts, verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1))
	} else {
		opts = append(opts, verify.WithSignedTimestamps(1))
	}
	v, err := verify.NewVerifier(t.trustedRoot, opts...)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, id := range t.identities {
		certID, err := verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegExp, id.Subject, id.SubjectRegExp)
		if err != nil {
			return nil, fmt.Errorf("identity %+v: %w", id, err)
		}
		res, err := v.Verify(b, verify.NewPolicy(artifact, verify.WithCertificateIdentity(certID)))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := checkSignStatement(res); err != nil {
			return nil, err
		}
		sig := &Signature{Format: FormatBundle}
		if c := res.Signature.Certificate; c != nil {
			sig.Signer, sig.Issuer = c.SubjectAlternativeName, c.Issuer
		}
		return sig, nil
	}
	return nil, fmt.Errorf("no trusted identity: %w", errors.Join(errs...))
}

// checkSignStatement accepts cosign sign's statement only: an attestation
// (an SBOM, a provenance) signed by the same key is not a signature.
func checkSignStatement(res *verify.VerificationResult) error {
	if res.Statement == nil || res.Statement.GetPredicateType() != SignPredicateType {
		got := ""
		if res.Statement != nil {
			got = res.Statement.GetPredicateType()
		}
		return fmt.Errorf("the bundle holds an attestation of %q, not a signature (%s)", got, SignPredicateType)
	}
	return nil
}

// legacyPayload is the part of cosign's simple-signing payload berth reads.
type legacyPayload struct {
	Critical struct {
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

// verifyLegacy checks one layer of a sha256-HEX.sig manifest: a
// simple-signing payload naming dgst, signed by a trusted key (keyless
// legacy signatures are not read).
func (t *cosignTrust) verifyLegacy(payload []byte, sigB64, dgst string) (*Signature, error) {
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return nil, fmt.Errorf("signature annotation: %w", err)
	}
	var p legacyPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("simple-signing payload: %w", err)
	}
	if p.Critical.Type != legacySignatureType {
		return nil, fmt.Errorf("payload type is %q, not %q", p.Critical.Type, legacySignatureType)
	}
	if p.Critical.Image.DockerManifestDigest != dgst {
		return nil, fmt.Errorf("the payload signs %s, not %s", p.Critical.Image.DockerManifestDigest, dgst)
	}
	var errs []error
	for _, k := range t.keys {
		v, err := signature.LoadDefaultVerifier(k.Key, sigopts.WithED25519ph())
		if err != nil {
			return nil, err
		}
		if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload)); err != nil {
			errs = append(errs, fmt.Errorf("key %s (%s): %w", Fingerprint(k.Key), k.File, err))
			continue
		}
		return &Signature{Format: FormatLegacy, Signer: Fingerprint(k.Key), Key: k.File}, nil
	}
	if len(errs) == 0 {
		return nil, errors.New("the policy names no key for cosign signatures")
	}
	return nil, errors.Join(errs...)
}

// marshalBundle encodes a bundle as cosign does (protojson).
func marshalBundle(pb proto.Message) ([]byte, error) {
	out, err := protojson.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return out, nil
}
