package signing

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// TestKeylessIdentity checks a keyless signature (a Fulcio certificate and
// a transparency log entry, from sigstore-go's virtual Sigstore) against
// the identities of a rule.
func TestKeylessIdentity(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const dgst = "sha256:6c3c0e5b1b5f5f0a4c1e8a0c6c6b1d0e7a3d8e2f1b9c4a5d6e7f8091a2b3c4d5"
	_, hexDigest, _ := strings.Cut(dgst, ":")
	body, err := json.Marshal(statement{
		Type: inTotoStatementType, Subject: []statementSubject{{Digest: map[string]string{"sha256": hexDigest}}},
		PredicateType: SignPredicateType, Predicate: map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	const issuer, subject = "https://token.actions.githubusercontent.com", "https://github.com/acme/web/.github/workflows/release.yaml@refs/tags/v1.0.0"
	entity, err := vs.Attest(subject, issuer, body)
	if err != nil {
		t.Fatal(err)
	}
	alg, raw, err := digestBytes(dgst)
	if err != nil {
		t.Fatal(err)
	}
	artifact := verify.WithArtifactDigest(alg, raw)
	for _, tc := range []struct {
		name string
		id   Identity
		ok   bool
	}{
		{"exact", Identity{Issuer: issuer, Subject: subject}, true},
		{"regexp", Identity{Issuer: issuer, SubjectRegExp: `^https://github\.com/acme/.+/release\.yaml@refs/tags/v.+$`}, true},
		{"another subject", Identity{Issuer: issuer, Subject: "https://github.com/evil/web/.github/workflows/release.yaml@refs/tags/v1.0.0"}, false},
		{"another issuer", Identity{Issuer: "https://accounts.google.com", Subject: subject}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The virtual Sigstore's certificates carry no SCT.
			trust := cosignTrust{identities: []Identity{tc.id}, trustedRoot: vs, ignoreSCT: true}
			sig, err := trust.verifyBundleKeyless(entity, artifact)
			if !tc.ok {
				if err == nil {
					t.Fatalf("accepted a signature of %s for %+v", subject, tc.id)
				}
				return
			}
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if sig.Signer != subject || sig.Issuer != issuer {
				t.Errorf("signature %+v, want signer %s issuer %s", sig, subject, issuer)
			}
		})
	}
	strict := cosignTrust{identities: []Identity{{Issuer: issuer, Subject: subject}}, trustedRoot: vs}
	if _, err := strict.verifyBundleKeyless(entity, artifact); err == nil || !strings.Contains(err.Error(), "certificate timestamp") {
		t.Errorf("a certificate without SCT under the default: %v, want a refusal for the missing SCT", err)
	}
	other := "sha256:" + strings.Repeat("0", 64)
	alg, raw, _ = digestBytes(other)
	trust := cosignTrust{identities: []Identity{{Issuer: issuer, Subject: subject}}, trustedRoot: vs, ignoreSCT: true}
	if _, err := trust.verifyBundleKeyless(entity, verify.WithArtifactDigest(alg, raw)); err == nil {
		t.Error("accepted the signature for another digest")
	}
}
