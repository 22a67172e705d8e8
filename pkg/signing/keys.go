package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
)

// EnvPassword is the variable cosign reads a private key's passphrase from;
// berth reads the same.
const EnvPassword = "COSIGN_PASSWORD" //nolint:gosec // a variable's name, not a credential

// ErrWrongPassphrase means a private key did not decrypt with the
// passphrase given.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// Key is a private key that signs charts, as cosign loads it.
type Key struct {
	sv     signature.SignerVerifier
	pub    crypto.PublicKey
	algo   signature.AlgorithmDetails
	hint   []byte
	source string
}

// LoadKeyFile reads the private key at path: cosign's encrypted PEM
// ("ENCRYPTED SIGSTORE PRIVATE KEY" or the older "ENCRYPTED COSIGN PRIVATE
// KEY", scrypt and secretbox), or an unencrypted PKCS#8, PKCS#1 or EC
// private key. passphrase is called only for an encrypted key.
func LoadKeyFile(path string, passphrase func() ([]byte, error)) (*Key, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the user names the key
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	k, err := ParseKey(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	k.source = path
	return k, nil
}

// ParseKey is LoadKeyFile of data.
func ParseKey(data []byte, passphrase func() ([]byte, error)) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM private key (want cosign.key, as cosign generate-key-pair writes it)")
	}
	pf := func(bool) ([]byte, error) {
		if passphrase == nil {
			return nil, errors.New("the key is encrypted and no passphrase was given")
		}
		return passphrase()
	}
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(data, pf)
	if err != nil {
		if isDecryptError(block.Type, err) {
			return nil, fmt.Errorf("%w: decrypt the key: %w", ErrWrongPassphrase, err)
		}
		return nil, fmt.Errorf("parse the key: %w", err)
	}
	// ED25519ph, as cosign signs with Ed25519 keys.
	sv, err := signature.LoadDefaultSignerVerifier(priv, sigopts.WithED25519ph())
	if err != nil {
		return nil, fmt.Errorf("load the key: %w", err)
	}
	pub, err := sv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("load the key: %w", err)
	}
	algo, err := signature.GetDefaultAlgorithmDetails(pub, sigopts.WithED25519ph())
	if err != nil {
		return nil, fmt.Errorf("load the key: %w", err)
	}
	hint, err := keyHint(pub)
	if err != nil {
		return nil, err
	}
	return &Key{sv: sv, pub: pub, algo: algo, hint: hint}, nil
}

// isDecryptError reports a cosign key that did not decrypt: go-securesystemslib
// says only "encrypted: decryption failed".
func isDecryptError(pemType string, err error) bool {
	return (pemType == "ENCRYPTED SIGSTORE PRIVATE KEY" || pemType == "ENCRYPTED COSIGN PRIVATE KEY") &&
		strings.Contains(err.Error(), "decryption failed")
}

// keyHint is cosign's hint for a public key: base64 of the SHA-256 of its
// PKIX DER.
func keyHint(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return []byte(base64.StdEncoding.EncodeToString(sum[:])), nil
}

// Fingerprint is how berth names a public key: "sha256:" and the hex
// SHA-256 of its PKIX DER encoding.
func Fingerprint(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Public returns the key's public half.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Fingerprint is the public key's Fingerprint.
func (k *Key) Fingerprint() string { return Fingerprint(k.pub) }

// GetHashAlgorithm returns the hash algorithm the key signs with
// (sigstore-go's sign.Keypair).
func (k *Key) GetHashAlgorithm() protocommon.HashAlgorithm { return k.algo.GetProtoHashType() }

// GetSigningAlgorithm returns the key's signature algorithm.
func (k *Key) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.algo.GetSignatureAlgorithm()
}

// GetHint returns cosign's hint of the public key.
func (k *Key) GetHint() []byte { return k.hint }

// GetKeyAlgorithm returns the key's algorithm family.
func (k *Key) GetKeyAlgorithm() string {
	switch k.pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case *rsa.PublicKey:
		return "RSA"
	case ed25519.PublicKey:
		return "ED25519"
	}
	return ""
}

// GetPublicKey returns the public key.
func (k *Key) GetPublicKey() crypto.PublicKey { return k.pub }

// GetPublicKeyPem returns the public key as PEM.
func (k *Key) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.pub)
	return string(b), err
}

// SignData signs data and returns the signature and the digest signed.
func (k *Key) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	opts := []signature.SignOption{sigopts.WithContext(ctx)}
	var digest []byte
	if h := k.algo.GetHashType(); h != 0 {
		hasher := h.New()
		hasher.Write(data)
		digest = hasher.Sum(nil)
		opts = append(opts, sigopts.WithDigest(digest))
	}
	sig, err := k.sv.SignMessage(bytes.NewReader(data), opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	return sig, digest, nil
}

// LoadPublicKeyFile reads a PEM public key (cosign.pub: "PUBLIC KEY", PKIX).
func LoadPublicKeyFile(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the user names the key
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("public key %s: not a PEM public key (want cosign.pub, as cosign generate-key-pair writes it): %w", path, err)
	}
	return pub, nil
}

// GenerateKeyPair returns a new ECDSA P-256 key pair in cosign's formats:
// the private key encrypted with passphrase ("ENCRYPTED SIGSTORE PRIVATE
// KEY") and the public key as PEM, as cosign generate-key-pair writes them.
func GenerateKeyPair(passphrase []byte) (privPEM, pubPEM []byte, err error) {
	return cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), func(bool) ([]byte, error) { return passphrase, nil })
}
