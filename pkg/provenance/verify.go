package provenance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"sigs.k8s.io/yaml"
)

// maxProvSize bounds the provenance files read: Chart.yaml is at most a few
// kilobytes, and the chart loader allows no file over 5 MiB.
const maxProvSize = 5 << 20

// noSignedMessage says what a file that is no provenance file lacks.
const noSignedMessage = "no PGP signed message (-----BEGIN PGP SIGNED MESSAGE----- ... -----END PGP SIGNATURE-----)"

// Verification is what Verify found: which archive was signed, by whom.
type Verification struct {
	// FileName is the archive's name as the provenance file lists it.
	FileName string
	// Digest is the archive's digest, "sha256:HEX", equal to the signed one.
	Digest string
	// ChartName and ChartVersion are the name and version in the signed
	// Chart.yaml ("" when it has none).
	ChartName, ChartVersion string
	// SignedBy are the user IDs of the signing key, sorted.
	SignedBy []string
	// Fingerprint is the signing key's primary fingerprint, upper-case hex.
	Fingerprint string
	// KeyID is the ID of the key (primary or subkey) that made the
	// signature, 16 upper-case hex digits.
	KeyID string
	// SignedAt is when the signature was made, by the signer's clock.
	SignedAt time.Time
}

// Verify checks the provenance file prov of the archive named archiveName
// (its base name is used) with content archive: the signature must be made
// by a key of keyring that is neither expired nor revoked, and the archive's
// SHA-256 must be the one signed for that name. A nil or empty prov is
// ErrNoSignature. Errors are *Error values naming archiveName or
// archiveName.prov.
func Verify(archiveName string, archive, prov []byte, keyring *Keyring) (*Verification, error) {
	name := filepath.Base(archiveName)
	return verify(name, archiveName, archive, prov, keyring)
}

// VerifyFile verifies the archive at archivePath with the provenance file
// beside it, archivePath.prov (see Verify).
func VerifyFile(archivePath string, keyring *Keyring) (*Verification, error) {
	archive, err := os.ReadFile(archivePath)
	if err != nil {
		return nil, &Error{Op: "verify", File: archivePath, Err: err}
	}
	prov, err := readProv(archivePath + ".prov")
	if err != nil {
		return nil, err
	}
	return verify(filepath.Base(archivePath), archivePath, archive, prov, keyring)
}

// readProv reads a provenance file, at most maxProvSize bytes of it.
func readProv(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noSignature(path)
	}
	if err != nil {
		return nil, &Error{Op: "verify", File: path, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxProvSize+1))
	if err != nil {
		return nil, &Error{Op: "verify", File: path, Err: err}
	}
	if len(data) == 0 {
		return nil, noSignature(path)
	}
	return data, nil
}

func verify(name, archivePath string, archive, prov []byte, keyring *Keyring) (*Verification, error) {
	provPath := archivePath + ".prov"
	if keyring == nil {
		return nil, &Error{Op: "verify", File: archivePath, Kind: ErrKeyring, Detail: "no keyring given", Hint: keyringHint}
	}
	if len(prov) == 0 {
		return nil, noSignature(provPath)
	}
	if len(prov) > maxProvSize {
		return nil, malformed(provPath, fmt.Sprintf("larger than %d MiB", maxProvSize>>20), nil)
	}
	block, _ := clearsign.Decode(prov)
	if block == nil || block.ArmoredSignature == nil {
		return nil, malformed(provPath, noSignedMessage, nil)
	}
	v, err := checkSignature(provPath, block, keyring)
	if err != nil {
		return nil, err
	}
	if err := checkMessage(v, name, archivePath, provPath, archive, block.Plaintext); err != nil {
		return nil, err
	}
	return v, nil
}

// checkSignature verifies the signature of block with keyring and returns
// who made it.
func checkSignature(provPath string, block *clearsign.Block, keyring *Keyring) (*Verification, error) {
	sigData, err := io.ReadAll(block.ArmoredSignature.Body)
	if err != nil {
		return nil, malformed(provPath, "read the signature", err)
	}
	issuer, err := signatureIssuer(sigData)
	if err != nil {
		return nil, malformed(provPath, "read the signature", err)
	}
	sig, signer, err := openpgp.VerifyDetachedSignature(keyring.entities, bytes.NewReader(block.Bytes), bytes.NewReader(sigData), nil)
	if err != nil {
		return nil, signatureError(provPath, keyring, issuer, signer, err)
	}
	v := &Verification{
		SignedBy:    identities(signer),
		Fingerprint: fingerprint(signer),
		SignedAt:    sig.CreationTime,
	}
	if sig.IssuerKeyId != nil {
		v.KeyID = fmt.Sprintf("%016X", *sig.IssuerKeyId)
	}
	return v, nil
}

// signatureIssuer returns the key ID (or fingerprint) of the first
// signature packet in sigData, for messages.
func signatureIssuer(sigData []byte) (string, error) {
	p, err := packet.Read(bytes.NewReader(sigData))
	if err != nil {
		return "", err
	}
	sig, ok := p.(*packet.Signature)
	switch {
	case !ok:
		return "", errors.New("not a signature packet")
	case sig.IssuerFingerprint != nil:
		return fmt.Sprintf("%X", sig.IssuerFingerprint), nil
	case sig.IssuerKeyId != nil:
		return fmt.Sprintf("%016X", *sig.IssuerKeyId), nil
	}
	return "", errors.New("signature names no issuer key")
}

// signatureError turns a failed signature check into an *Error of the
// right kind.
func signatureError(provPath string, keyring *Keyring, issuer string, signer *openpgp.Entity, err error) *Error {
	e := &Error{Op: "verify", File: provPath, Err: err}
	var sigErr pgperrors.SignatureError
	var structErr pgperrors.StructuralError
	switch {
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		e.Kind, e.Err = ErrUnknownKey, nil
		e.Detail = fmt.Sprintf("the signature was made by key %s, which keyring %s does not hold (it has %s)", issuer, keyring.Path, listKeys(keyring.entities))
		e.Hint = "import the publisher's public key and export it into the keyring (gpg --import KEY.asc && gpg --export > pubring.gpg), or give the keyring that holds it"
	case errors.Is(err, pgperrors.ErrKeyRevoked):
		e.Kind, e.Err = ErrKeyRevoked, nil
		e.Detail = signerName(signer, issuer) + " has been revoked by its owner"
		e.Hint = "do not trust charts signed with it; ask the publisher for the chart signed with their current key"
	case errors.Is(err, pgperrors.ErrKeyExpired), errors.Is(err, pgperrors.ErrSignatureExpired):
		e.Kind = ErrKeyExpired
		e.Detail = signerName(signer, issuer)
		e.Hint = "if the publisher extended the key's expiry, refresh it (gpg --refresh-keys) and export the keyring again; otherwise ask for the chart signed with a valid key"
	case errors.As(err, &structErr):
		e.Kind = ErrMalformed
		e.Hint = "the signature is damaged; get the .prov again from the chart's publisher"
	case errors.As(err, &sigErr):
		e.Kind = ErrBadSignature
		e.Detail = fmt.Sprintf("the signed text does not match the signature of key %s", issuer)
		e.Hint = "the .prov was changed after it was signed (or the keyring's key of that ID is not the signer's); do not use this chart, get the .prov again from its publisher"
	default:
		e.Kind = ErrBadSignature
		e.Hint = "do not use this chart; get the chart and its .prov again from its publisher"
	}
	return e
}

// checkMessage checks that the signed text lists the archive under name
// with the archive's digest, and records the signed chart in v.
func checkMessage(v *Verification, name, archivePath, provPath string, archive, text []byte) error {
	parts := bytes.Split(text, []byte(messageSeparator))
	if len(parts) < 2 {
		return malformed(provPath, `the signed text has no "..." line between Chart.yaml and the files`, nil)
	}
	var sums sumCollection
	if err := yaml.Unmarshal(parts[1], &sums); err != nil {
		return malformed(provPath, "read the signed files list", err)
	}
	v.ChartName, v.ChartVersion = signedChart(parts[0])
	want, ok := sums.Files[name]
	if !ok {
		return &Error{
			Op: "verify", File: archivePath, Kind: ErrNotListed,
			Detail: fmt.Sprintf("%s signs %s, not %q", filepath.Base(provPath), listNames(sums.Files), name),
			Hint:   "give the archive the name it was signed with, or sign it again",
		}
	}
	sum := sha256.Sum256(archive)
	got := "sha256:" + hex.EncodeToString(sum[:])
	if got != want {
		return &Error{
			Op: "verify", File: archivePath, Kind: ErrDigestMismatch,
			Detail: fmt.Sprintf("the archive's digest is %s, %s signs %s", got, filepath.Base(provPath), want),
			Hint:   "the archive was changed after it was signed: do not use it; download the chart again, or package and sign it again",
		}
	}
	v.FileName, v.Digest = name, got
	return nil
}

// signedChart returns the name and version of the signed Chart.yaml. Helm
// does not read this part when it verifies, so neither does berth fail on
// it: a part that does not parse gives empty strings.
func signedChart(meta []byte) (name, version string) {
	var md map[string]any
	if err := yaml.Unmarshal(meta, &md); err != nil {
		return "", ""
	}
	str := func(key string) string {
		if v, ok := md[key]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	return str("name"), str("version")
}

func listNames(files map[string]string) string {
	if len(files) == 0 {
		return "no files"
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, fmt.Sprintf("%q", n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func signerName(signer *openpgp.Entity, issuer string) string {
	if signer == nil {
		return "key " + issuer
	}
	return describe(signer)
}

func noSignature(provPath string) *Error {
	return &Error{
		Op: "verify", File: provPath, Kind: ErrNoSignature,
		Detail: "the chart is not signed",
		Hint:   "sign it with `berth package --sign` (or helm package --sign) and keep NAME-VERSION.tgz.prov beside the archive",
	}
}

func malformed(provPath, detail string, err error) *Error {
	e := &Error{Op: "verify", File: provPath, Kind: ErrMalformed, Detail: detail, Err: err}
	if e.Hint == "" {
		e.Hint = "the file is damaged or is not a chart provenance file; get it again, or sign the chart again"
	}
	return e
}

// CheckArchive reports whether prov is a provenance file for the archive
// named archiveName with content archive, without checking the signature:
// nil when its signed text lists that name with the archive's digest,
// otherwise ErrNoSignature, ErrMalformed, ErrNotListed or ErrDigestMismatch.
// It needs no keyring, for commands that pass a .prov on (berth push) and
// should say when it would fail every verification.
func CheckArchive(archiveName string, archive, prov []byte) error {
	provPath := archiveName + ".prov"
	if len(prov) == 0 {
		return noSignature(provPath)
	}
	block, _ := clearsign.Decode(prov)
	if block == nil || block.ArmoredSignature == nil {
		return malformed(provPath, noSignedMessage, nil)
	}
	return checkMessage(&Verification{}, filepath.Base(archiveName), archiveName, provPath, archive, block.Plaintext)
}
