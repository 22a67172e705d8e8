package provenance

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The keyrings in testdata were written by GnuPG 2.2 (see
// testdata/generate.sh): two keys, "Berth Test <test@berth.sh>" (Ed25519,
// no passphrase) and "Berth Release <release@berth.sh>" (RSA, passphrase
// "berth-test").
func TestLoadKeyringFormats(t *testing.T) {
	tests := []struct {
		file   string
		secret bool
	}{
		{"pubring.gpg", false},
		{"pubring.asc", false},
		{"pubring.kbx", false},
		{"secring.gpg", true},
		{"secring.asc", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ring, err := LoadKeyring(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []Key
			for _, k := range ring.Keys() {
				k.Fingerprint = ""
				got = append(got, k)
			}
			want := []Key{
				{Identities: []string{"Berth Test <test@berth.sh>"}, Secret: tt.secret},
				{Identities: []string{"Berth Release <release@berth.sh>"}, Secret: tt.secret},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseKeyringConcatenatedArmor(t *testing.T) {
	one := newKey(t, "One", "one@berth.sh", keyOptions{})
	two := newKey(t, "Two", "two@berth.sh", keyOptions{})
	ring := keyring(t, "keys.asc", armored(t, "PGP PUBLIC KEY BLOCK", one.public), armored(t, "PGP PUBLIC KEY BLOCK", two.public))
	if n := len(ring.Keys()); n != 2 {
		t.Errorf("concatenated armored exports gave %d keys, want 2", n)
	}
}

func TestLoadKeyringErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name string
		path string
	}{
		{"missing", filepath.Join(dir, "nothere.gpg")},
		{"empty", write("empty.gpg", "")},
		{"garbage", write("garbage.gpg", "this is not a keyring\n")},
		{"armored non-key", write("msg.asc", "-----BEGIN PGP MESSAGE-----\n\nowE=\n=AAAA\n-----END PGP MESSAGE-----\n")},
		{"truncated keybox", write("pubring.kbx", "\x00\x00\x00\x20\x01\x01\x00\x00KBXf")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadKeyring(tt.path)
			if !errors.Is(err, ErrKeyring) {
				t.Fatalf("LoadKeyring = %v, want ErrKeyring", err)
			}
			wantErrorNames(t, err, tt.path, "gpg --export")
		})
	}
	if _, err := LoadKeyring(filepath.Join(dir, "nothere.gpg")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing keyring: %v, want fs.ErrNotExist too", err)
	}
}

func TestDefaultKeyring(t *testing.T) {
	home := t.TempDir()
	t.Setenv("GNUPGHOME", home)
	legacy, keybox := filepath.Join(home, "pubring.gpg"), filepath.Join(home, "pubring.kbx")
	if got := DefaultKeyring(); got != legacy {
		t.Errorf("neither exists: DefaultKeyring = %s, want %s", got, legacy)
	}
	if err := os.WriteFile(keybox, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := DefaultKeyring(); got != keybox {
		t.Errorf("only pubring.kbx: DefaultKeyring = %s, want %s", got, keybox)
	}
	if err := os.WriteFile(legacy, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := DefaultKeyring(); got != legacy {
		t.Errorf("both: DefaultKeyring = %s, want %s", got, legacy)
	}
	t.Setenv("GNUPGHOME", "")
	t.Setenv("HOME", home)
	if got, want := DefaultKeyring(), filepath.Join(home, ".gnupg", "pubring.gpg"); got != want {
		t.Errorf("no GNUPGHOME: DefaultKeyring = %s, want %s", got, want)
	}
}
