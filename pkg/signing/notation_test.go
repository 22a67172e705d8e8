package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/signer"

	"github.com/berth-sh/berth/pkg/oci"
)

// notationCA is a test CA and a code-signing certificate it issued, as
// Notation's certificate requirements want them.
type notationCA struct {
	caFile  string
	leafKey *ecdsa.PrivateKey
	chain   []*x509.Certificate
}

func newNotationCA(t *testing.T, dir, org string) notationCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: org + " CA", Organization: []string{org}, Country: []string{"US"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "release", Organization: []string{org}, Country: []string{"US"}, Province: []string{"WA"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	caFile := filepath.Join(dir, strings.ToLower(org)+"-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return notationCA{caFile: caFile, leafKey: leafKey, chain: []*x509.Certificate{leaf, ca}}
}

// notationSign signs ref with notation-go itself, as notation sign does.
func notationSign(t *testing.T, client *oci.Client, ref oci.Reference, ca notationCA) {
	t.Helper()
	s, err := signer.NewGenericSigner(ca.leafKey, ca.chain)
	if err != nil {
		t.Fatal(err)
	}
	_, err = notation.Sign(t.Context(), s, registry.NewRepository(client.RemoteRepository(ref)), notation.SignOptions{
		ArtifactReference: ref.Registry + "/" + ref.Repository + "@" + ref.Digest,
		SignerSignOptions: notation.SignerSignOptions{SignatureMediaType: "application/jose+json"},
	})
	if err != nil {
		t.Fatalf("notation sign: %v", err)
	}
}

func TestNotationSignature(t *testing.T) {
	client, _, ref := pushedChart(t, "1.0.0")
	dir := t.TempDir()
	acme, other := newNotationCA(t, dir, "Acme"), newNotationCA(t, dir, "Other")
	notationSign(t, client, ref, acme)
	policy := func(caFile, identity string) *Verifier {
		return NewVerifier(writePolicy(t, dir, "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - scopes: ['*']\n"+
			"    notation:\n      certificates: ["+filepath.Base(caFile)+"]\n      trustedIdentities: ['"+identity+"']\n"))
	}

	res, err := policy(acme.caFile, "x509.subject: C=US, ST=WA, O=Acme, CN=release").VerifyOCI(t.Context(), client, ref, "", nil, nil)
	if err != nil {
		t.Fatalf("VerifyOCI: %v", err)
	}
	if res.Signature.Format != FormatNotation || !strings.Contains(res.Signature.Signer, "CN=release") {
		t.Errorf("signature %+v, want Notation's by CN=release", res.Signature)
	}
	if _, err := policy(other.caFile, "*").VerifyOCI(t.Context(), client, ref, "", nil, nil); !errors.Is(err, ErrNotSigned) {
		t.Errorf("a signature under another CA: %v, want ErrNotSigned", err)
	}
	if _, err := policy(acme.caFile, "x509.subject: C=US, ST=WA, O=Acme, CN=someone else").VerifyOCI(t.Context(), client, ref, "", nil, nil); !errors.Is(err, ErrNotSigned) {
		t.Errorf("another identity: %v, want ErrNotSigned", err)
	}
}
