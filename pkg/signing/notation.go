package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/berth-sh/berth/pkg/oci"
)

// NotationArtifactType is the artifact type of a Notation signature
// referrer.
const NotationArtifactType = "application/vnd.cncf.notary.signature"

// notationStore is the name of the one trust store berth gives Notation.
const notationStore = "berth"

// maxNotationSignatures bounds the signatures Notation looks at.
const maxNotationSignatures = 50

// notationTrust verifies Notation signatures at the strict level against a
// rule's certificates and trusted identities.
type notationTrust struct {
	verifier notation.Verifier
	files    []string
}

func newNotationTrust(p *Policy, n *NotationTrust) (*notationTrust, error) {
	store := memoryTrustStore{}
	files := make([]string, 0, len(n.Certificates))
	for _, f := range n.Certificates {
		path := p.resolve(f)
		data, err := os.ReadFile(path) //nolint:gosec // the policy names it
		if err != nil {
			return nil, fmt.Errorf("notation certificates: %w", err)
		}
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM(data)
		if err != nil {
			return nil, fmt.Errorf("notation certificates: %s: %w", path, err)
		}
		if len(certs) == 0 {
			return nil, fmt.Errorf("notation certificates: %s holds no PEM certificate", path)
		}
		store = append(store, certs...)
		files = append(files, path)
	}
	identities := n.TrustedIdentities
	if len(identities) == 0 {
		identities = []string{"*"}
	}
	doc := &trustpolicy.Document{
		Version: "1.0",
		TrustPolicies: []trustpolicy.TrustPolicy{{
			Name:                  "berth",
			RegistryScopes:        []string{"*"},
			SignatureVerification: trustpolicy.SignatureVerification{VerificationLevel: trustpolicy.LevelStrict.Name},
			TrustStores:           []string{string(truststore.TypeCA) + ":" + notationStore},
			TrustedIdentities:     identities,
		}},
	}
	v, err := verifier.New(doc, store, nil)
	if err != nil {
		return nil, fmt.Errorf("notation trust: %w", err)
	}
	return &notationTrust{verifier: v, files: files}, nil
}

// memoryTrustStore is Notation's "ca" store of the rule's certificates.
type memoryTrustStore []*x509.Certificate

// GetCertificates returns the certificates of the berth ca store.
func (s memoryTrustStore) GetCertificates(_ context.Context, storeType truststore.Type, name string) ([]*x509.Certificate, error) {
	if storeType != truststore.TypeCA || name != notationStore {
		return nil, fmt.Errorf("no trust store %s:%s", storeType, name)
	}
	return s, nil
}

// verify checks the Notation signatures of ref (by digest).
func (n *notationTrust) verify(ctx context.Context, client *oci.Client, ref oci.Reference) (*Signature, error) {
	repo := registry.NewRepository(client.RemoteRepository(ref))
	artifact := ref.Registry + "/" + ref.Repository + "@" + ref.Digest
	_, outcomes, err := notation.Verify(ctx, n.verifier, repo, notation.VerifyOptions{
		ArtifactReference: artifact, MaxSignatureAttempts: maxNotationSignatures,
	})
	if err != nil {
		return nil, fmt.Errorf("notation: %w", err)
	}
	for _, o := range outcomes {
		if o.Error != nil || o.EnvelopeContent == nil {
			continue
		}
		sig := &Signature{Format: FormatNotation}
		if chain := o.EnvelopeContent.SignerInfo.CertificateChain; len(chain) > 0 {
			sig.Signer = chain[0].Subject.String()
		}
		if len(n.files) > 0 {
			sig.Key = n.files[0]
		}
		return sig, nil
	}
	return nil, errors.New("notation: no signature verified")
}
