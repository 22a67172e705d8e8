package provenance

import (
	"bytes"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestVerifyHelmSigned verifies testdata/web-0.1.0.tgz.prov, which helm
// v4.3.1 wrote with `helm package --sign` (testdata/generate.sh), with each
// keyring format GnuPG writes.
func TestVerifyHelmSigned(t *testing.T) {
	for _, file := range []string{"pubring.gpg", "pubring.asc", "pubring.kbx", "secring.gpg"} {
		t.Run(file, func(t *testing.T) {
			ring, err := LoadKeyring(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := VerifyFile(filepath.Join("testdata", "web-0.1.0.tgz"), ring)
			if err != nil {
				t.Fatal(err)
			}
			want := &Verification{
				FileName: "web-0.1.0.tgz", ChartName: "web", ChartVersion: "0.1.0",
				SignedBy:    []string{"Berth Release <release@berth.sh>"},
				Fingerprint: ring.Keys()[1].Fingerprint,
			}
			ignore := cmpopts.IgnoreFields(Verification{}, "Digest", "KeyID", "SignedAt")
			if diff := cmp.Diff(want, got, ignore); diff != "" {
				t.Errorf("VerifyFile (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(got.Digest, "sha256:") || !strings.HasSuffix(got.Fingerprint, got.KeyID) {
				t.Errorf("digest %q, key ID %q of fingerprint %q", got.Digest, got.KeyID, got.Fingerprint)
			}
		})
	}
}

// signedFixture is an archive signed by a generated key.
type signedFixture struct {
	key     *testKey
	archive []byte
	prov    []byte
}

func newSigned(t *testing.T, o keyOptions) signedFixture {
	t.Helper()
	key := newKey(t, "Berth Test", "test@berth.sh", o)
	signer, err := keyring(t, "secring.gpg", key.secret).Signer("test@berth.sh", func(string) ([]byte, error) { return []byte(o.passphrase), nil })
	if err != nil {
		t.Fatal(err)
	}
	archive := []byte("the archive")
	prov, err := signer.Sign("web-1.2.3.tgz", archive, testMetadata)
	if err != nil {
		t.Fatal(err)
	}
	return signedFixture{key: key, archive: archive, prov: prov}
}

func TestVerifyFailures(t *testing.T) {
	good := newSigned(t, keyOptions{})
	other := newKey(t, "Someone Else", "else@example.com", keyOptions{})
	tests := []struct {
		name    string
		archive []byte
		prov    []byte
		ring    []byte
		kind    error
		names   []string // what the message must say
	}{
		{"no prov", good.archive, nil, good.key.public, ErrNoSignature, []string{"web-1.2.3.tgz.prov", "not signed", "--sign"}},
		{"tampered archive", append([]byte("x"), good.archive...), good.prov, good.key.public, ErrDigestMismatch, []string{"verify web-1.2.3.tgz:", "changed after it was signed"}},
		{"unknown key", good.archive, good.prov, other.public, ErrUnknownKey, []string{"web-1.2.3.tgz.prov", "keyring pubring.gpg", "Someone Else", "import"}},
		{"edited signed text", good.archive, bytes.Replace(good.prov, []byte("name: web"), []byte("name: bad"), 1), good.key.public, ErrBadSignature, []string{"web-1.2.3.tgz.prov", "changed after it was signed"}},
		{"not a prov", good.archive, []byte("hello\n"), good.key.public, ErrMalformed, []string{"web-1.2.3.tgz.prov", "BEGIN PGP SIGNED MESSAGE"}},
		{"truncated signature", good.archive, good.prov[:len(good.prov)-60], good.key.public, ErrMalformed, []string{"web-1.2.3.tgz.prov"}},
		{"no separator", good.archive, clearSign(t, good.key, "name: web\nfiles:\n  web-1.2.3.tgz: sha256:00\n"), good.key.public, ErrMalformed, []string{`no "..." line`}},
		{"files not YAML", good.archive, clearSign(t, good.key, "name: web\n\n...\nfiles: [\n"), good.key.public, ErrMalformed, []string{"files list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify("web-1.2.3.tgz", tt.archive, tt.prov, keyring(t, "pubring.gpg", tt.ring))
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Verify = %v, want %v", err, tt.kind)
			}
			wantErrorNames(t, err, tt.names...)
		})
	}
}

func TestVerifyRenamedArchive(t *testing.T) {
	good := newSigned(t, keyOptions{})
	_, err := Verify("dist/other-1.0.0.tgz", good.archive, good.prov, keyring(t, "pubring.gpg", good.key.public))
	if !errors.Is(err, ErrNotListed) {
		t.Fatalf("Verify = %v, want ErrNotListed", err)
	}
	wantErrorNames(t, err, "dist/other-1.0.0.tgz", `signs "web-1.2.3.tgz", not "other-1.0.0.tgz"`)
}

func TestVerifyExpiredKey(t *testing.T) {
	created := time.Now().Add(-2 * time.Hour)
	key := newKey(t, "Berth Test", "test@berth.sh", keyOptions{created: created, lifetime: time.Hour})
	ring := keyring(t, "secring.gpg", key.secret)
	if _, err := ring.Signer("test@berth.sh", nil); !errors.Is(err, ErrKeyExpired) {
		t.Errorf("Signer with an expired key = %v, want ErrKeyExpired", err)
	}
	// Signed while the key was valid, verified after it expired.
	signer := &Signer{entity: key.entity, key: key.entity.PrivateKey, keyring: "secring.gpg", now: func() time.Time { return created.Add(time.Minute) }}
	prov, err := signer.Sign("web-1.2.3.tgz", []byte("a"), testMetadata)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Verify("web-1.2.3.tgz", []byte("a"), prov, keyring(t, "pubring.gpg", key.public))
	if !errors.Is(err, ErrKeyExpired) {
		t.Fatalf("Verify = %v, want ErrKeyExpired", err)
	}
	wantErrorNames(t, err, "web-1.2.3.tgz.prov", "Berth Test <test@berth.sh>")
}

func TestVerifyRevokedKey(t *testing.T) {
	good := newSigned(t, keyOptions{})
	if err := good.key.entity.RevokeKey(packet.KeyCompromised, "stolen", nil); err != nil {
		t.Fatal(err)
	}
	var revoked bytes.Buffer
	if err := good.key.entity.Serialize(&revoked); err != nil {
		t.Fatal(err)
	}
	_, err := Verify("web-1.2.3.tgz", good.archive, good.prov, keyring(t, "pubring.gpg", revoked.Bytes()))
	if !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("Verify = %v, want ErrKeyRevoked", err)
	}
	wantErrorNames(t, err, "web-1.2.3.tgz.prov", "revoked", "Berth Test <test@berth.sh>")
}

func TestVerifyFileMissingProv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "web-1.2.3.tgz")
	if err := os.WriteFile(path, []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := VerifyFile(path, keyring(t, "pubring.gpg", newKey(t, "A", "a@b.c", keyOptions{}).public))
	if !errors.Is(err, ErrNoSignature) {
		t.Fatalf("VerifyFile = %v, want ErrNoSignature", err)
	}
	wantErrorNames(t, err, path+".prov")
}

// clearSign clear-signs text with key, for provenance files Sign would not
// write.
func clearSign(t *testing.T, key *testKey, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := clearsign.Encode(&b, key.entity.PrivateKey, &packet.Config{DefaultHash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wantErrorNames fails unless err's message contains each of names.
func wantErrorNames(t *testing.T, err error, names ...string) {
	t.Helper()
	for _, n := range names {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not say %q", err, n)
		}
	}
}

func TestCheckArchive(t *testing.T) {
	good := newSigned(t, keyOptions{})
	tests := []struct {
		name    string
		archive []byte
		prov    []byte
		kind    error
	}{
		{"matches", good.archive, good.prov, nil},
		{"changed archive", []byte("other"), good.prov, ErrDigestMismatch},
		{"not a prov", good.archive, []byte("provenance"), ErrMalformed},
		{"empty", good.archive, nil, ErrNoSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckArchive("dist/web-1.2.3.tgz", tt.archive, tt.prov)
			if tt.kind == nil && err != nil || !errors.Is(err, tt.kind) {
				t.Fatalf("CheckArchive = %v, want %v", err, tt.kind)
			}
		})
	}
	if err := CheckArchive("dist/other-1.2.3.tgz", good.archive, good.prov); !errors.Is(err, ErrNotListed) {
		t.Errorf("renamed archive: %v, want ErrNotListed", err)
	}
}

func TestVerifyLimits(t *testing.T) {
	good := newSigned(t, keyOptions{})
	ring := keyring(t, "pubring.gpg", good.key.public)
	huge := append(bytes.Repeat([]byte("x"), maxProvSize), good.prov...)
	if _, err := Verify("web-1.2.3.tgz", good.archive, huge, ring); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "larger than 5 MiB") {
		t.Errorf("a .prov over the limit: %v, want ErrMalformed saying so", err)
	}
	if _, err := Verify("web-1.2.3.tgz", good.archive, good.prov, nil); !errors.Is(err, ErrKeyring) {
		t.Errorf("no keyring: %v, want ErrKeyring", err)
	}
}
