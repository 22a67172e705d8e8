package provenance

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

var testMetadata = &chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.2.3", Description: "a web server", AppVersion: "2.0"}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, rsa := range []bool{false, true} {
		name := map[bool]string{false: "ed25519", true: "rsa"}[rsa]
		t.Run(name, func(t *testing.T) {
			key := newKey(t, "Berth Test", "test@berth.sh", keyOptions{rsa: rsa})
			signer, err := keyring(t, "secring.gpg", key.secret).Signer("test@berth.sh", nil)
			if err != nil {
				t.Fatal(err)
			}
			archive := []byte("archive bytes")
			prov, err := signer.Sign("dist/web-1.2.3.tgz", archive, testMetadata)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n", "name: web\n", "\n...\nfiles:\n  web-1.2.3.tgz: sha256:", "-----BEGIN PGP SIGNATURE-----"} {
				if !strings.Contains(string(prov), want) {
					t.Errorf("prov lacks %q:\n%s", want, prov)
				}
			}
			got, err := Verify("web-1.2.3.tgz", archive, prov, keyring(t, "pubring.gpg", key.public))
			if err != nil {
				t.Fatal(err)
			}
			want := &Verification{
				FileName:     "web-1.2.3.tgz",
				Digest:       "sha256:cc9c340301ad4ba5e54aa24b442ff938d1ed84f7f32c4c5a73773c58af37bd1b",
				ChartName:    "web",
				ChartVersion: "1.2.3",
				SignedBy:     []string{"Berth Test <test@berth.sh>"},
				Fingerprint:  signer.Fingerprint(),
				KeyID:        got.KeyID,
				SignedAt:     got.SignedAt,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
			if got.SignedAt.IsZero() || len(got.KeyID) != 16 {
				t.Errorf("SignedAt %v KeyID %q, want a time and 16 hex digits", got.SignedAt, got.KeyID)
			}
		})
	}
}

// TestSignerSelectsKey follows Helm's rule: a user ID equal to the name,
// else the one key whose user ID contains it.
func TestSignerSelectsKey(t *testing.T) {
	test := newKey(t, "Berth Test", "test@berth.sh", keyOptions{})
	test2 := newKey(t, "Berth Test Two", "test2@berth.sh", keyOptions{})
	release := newKey(t, "Release", "release@berth.sh", keyOptions{})
	ring := keyring(t, "secring.gpg", test2.secret, test.secret, release.secret)
	tests := []struct {
		name string
		want *testKey
		kind error
	}{
		{"release@berth.sh", release, nil},
		{"Berth Test <test@berth.sh>", test, nil},
		{"test2", test2, nil},
		{"Berth Test", nil, ErrAmbiguousKey},
		{"berth.sh", nil, ErrAmbiguousKey},
		{"nobody", nil, ErrKeyNotFound},
		{"", nil, ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ring.Signer(tt.name, nil)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("Signer(%q) = %v, want %v", tt.name, err, tt.kind)
				}
				wantErrorNames(t, err, "secring.gpg")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := s.Fingerprint(), fmt.Sprintf("%X", tt.want.entity.PrimaryKey.Fingerprint); got != want {
				t.Errorf("Signer(%q) chose %s (%s), want %s", tt.name, s.Identity(), got, want)
			}
		})
	}
}

// TestSignerExactBeatsContains: a user ID equal to the name wins over
// another key whose user ID merely contains it.
func TestSignerExactBeatsContains(t *testing.T) {
	long := newKey(t, "ops team", "ops@berth.sh", keyOptions{})
	exact, err := openpgp.NewEntity("ops", "", "", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var sec bytes.Buffer
	if err := exact.SerializePrivate(&sec, nil); err != nil {
		t.Fatal(err)
	}
	s, err := keyring(t, "secring.gpg", long.secret, sec.Bytes()).Signer("ops", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Identity() != "ops" {
		t.Errorf("Signer(ops) chose %q, want the key whose user ID is ops", s.Identity())
	}
}

func TestSignerPassphrase(t *testing.T) {
	key := newKey(t, "Berth Test", "test@berth.sh", keyOptions{passphrase: "right", rsa: true})
	pass := func(p string) PassphraseFunc {
		return func(identity string) ([]byte, error) {
			if identity != "Berth Test <test@berth.sh>" {
				t.Errorf("passphrase asked for %q", identity)
			}
			return []byte(p), nil
		}
	}
	tests := []struct {
		name string
		pass PassphraseFunc
		kind error
	}{
		{"right", pass("right"), nil},
		{"wrong", pass("wrong"), ErrWrongPassphrase},
		{"none", nil, ErrPassphraseRequired},
		{"unreadable", func(string) ([]byte, error) { return nil, errors.New("no terminal") }, ErrPassphraseRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := keyring(t, "secring.gpg", key.secret).Signer("test@berth.sh", tt.pass)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("Signer = %v, want %v", err, tt.kind)
				}
				wantErrorNames(t, err, "secring.gpg", "Berth Test <test@berth.sh>")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			prov, err := s.Sign("web-1.2.3.tgz", []byte("a"), testMetadata)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Verify("web-1.2.3.tgz", []byte("a"), prov, keyring(t, "pubring.gpg", key.public)); err != nil {
				t.Errorf("Verify after signing with the unlocked key: %v", err)
			}
		})
	}
}

// TestSignerHelmSecretKeyring signs with the secret keyring GnuPG exported
// (testdata/generate.sh), its passphrase-protected RSA key.
func TestSignerHelmSecretKeyring(t *testing.T) {
	ring, err := LoadKeyring(filepath.Join("testdata", "secring.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Signer("release@berth.sh", func(string) ([]byte, error) { return []byte("nope"), nil }); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	s, err := ring.Signer("release@berth.sh", func(string) ([]byte, error) { return []byte("berth-test"), nil })
	if err != nil {
		t.Fatal(err)
	}
	prov, err := s.Sign("web-1.2.3.tgz", []byte("a"), testMetadata)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadKeyring(filepath.Join("testdata", "pubring.kbx"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify("web-1.2.3.tgz", []byte("a"), prov, pub)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Berth Release <release@berth.sh>"}, v.SignedBy); diff != "" {
		t.Errorf("SignedBy (-want +got):\n%s", diff)
	}
}

func TestSignerNeedsUsableSecretKey(t *testing.T) {
	pub := newKey(t, "Berth Test", "test@berth.sh", keyOptions{})
	revoked := newKey(t, "Berth Test", "test@berth.sh", keyOptions{revoked: true})
	tests := []struct {
		name  string
		ring  []byte
		kind  error
		names []string
	}{
		{"public keyring", pub.public, ErrNoPrivateKey, []string{"only the public key", "gpg --export-secret-keys"}},
		{"revoked key", revoked.secret, ErrKeyRevoked, []string{"revoked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keyring(t, "keys.gpg", tt.ring).Signer("test@berth.sh", nil)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Signer = %v, want %v", err, tt.kind)
			}
			wantErrorNames(t, err, append(tt.names, "keys.gpg")...)
		})
	}
}

// TestSignWithSigningSubkey: a key with a signing subkey signs with the
// subkey, as gpg does; the verification names the subkey's ID and the
// primary key's fingerprint.
func TestSignWithSigningSubkey(t *testing.T) {
	key := newKey(t, "Berth Test", "test@berth.sh", keyOptions{subkey: true})
	signer, err := keyring(t, "secring.gpg", key.secret).Signer("test@berth.sh", nil)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := signer.Sign("web-1.2.3.tgz", []byte("a"), testMetadata)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify("web-1.2.3.tgz", []byte("a"), prov, keyring(t, "pubring.gpg", key.public))
	if err != nil {
		t.Fatal(err)
	}
	sub := fmt.Sprintf("%016X", key.entity.Subkeys[len(key.entity.Subkeys)-1].PublicKey.KeyId)
	if v.KeyID != sub || v.Fingerprint != fmt.Sprintf("%X", key.entity.PrimaryKey.Fingerprint) {
		t.Errorf("signed by key %s (fingerprint %s), want subkey %s of %X", v.KeyID, v.Fingerprint, sub, key.entity.PrimaryKey.Fingerprint)
	}
}
