package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

// testKeyrings are the GnuPG legacy keyrings of a generated key: public
// (gpg --export), secret (gpg --export-secret-keys) and the public one
// ASCII-armored.
type testKeyrings struct {
	public, secret, armored string
	fingerprint             string
}

// writeKeyrings generates a key for "Berth Test <test@berth.sh>", protected
// by passphrase unless it is "", and writes its keyrings into dir.
func writeKeyrings(t *testing.T, dir, passphrase string) testKeyrings {
	t.Helper()
	e, err := openpgp.NewEntity("Berth Test", "", "test@berth.sh", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var pub, arm, sec bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	w, err := armor.Encode(&arm, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pub.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if passphrase != "" {
		if err := e.EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SerializePrivateWithoutSigning(&sec, nil); err != nil {
		t.Fatal(err)
	}
	k := testKeyrings{
		public: filepath.Join(dir, "pubring.gpg"), secret: filepath.Join(dir, "secring.gpg"),
		armored: filepath.Join(dir, "pubring.asc"), fingerprint: strings.ToUpper(e.PrimaryKey.KeyIdString()),
	}
	for path, data := range map[string][]byte{k.public: pub.Bytes(), k.secret: sec.Bytes(), k.armored: arm.Bytes()} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// runStdin is run with stdin as standard input.
func runStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// signedShop packages testdata/show/shop signed into dir and returns the
// archive's path.
func signedShop(t *testing.T, dir string, keys testKeyrings) string {
	t.Helper()
	code, _, stderr := run(t, "package", "testdata/show/shop", "-d", dir, "--sign", "--key", "test@berth.sh", "--keyring", keys.secret)
	if code != ExitOK {
		t.Fatalf("package --sign: exit %d: %s", code, stderr)
	}
	return filepath.Join(dir, "shop-1.0.0.tgz")
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	keys := writeKeyrings(t, dir, "")
	archive := signedShop(t, dir, keys)
	for _, ring := range []string{keys.public, keys.armored} {
		code, stdout, stderr := run(t, "verify", archive, "--keyring", ring)
		if code != ExitOK {
			t.Fatalf("verify --keyring %s: exit %d: %s", ring, code, stderr)
		}
		lines := strings.Split(stdout, "\n")
		if len(lines) != 5 || lines[0] != "Signed by: Berth Test <test@berth.sh>" ||
			!strings.HasPrefix(lines[1], "Using Key With Fingerprint: ") || !strings.HasSuffix(lines[1], keys.fingerprint) ||
			!strings.HasPrefix(lines[2], "Chart Hash Verified: sha256:") || lines[3] != "Chart: shop 1.0.0" {
			t.Errorf("verify printed:\n%s", stdout)
		}
	}
	code, stdout, stderr := run(t, "verify", archive, "--keyring", keys.public, "-o", "json")
	if code != ExitOK {
		t.Fatalf("verify -o json: exit %d: %s", code, stderr)
	}
	var got verifyResult
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("-o json: %v\n%s", err, stdout)
	}
	want := verifyResult{
		File: archive, Prov: archive + ".prov", Digest: got.Digest, Chart: "shop", Version: "1.0.0",
		SignedBy: []string{"Berth Test <test@berth.sh>"}, Fingerprint: got.Fingerprint, KeyID: keys.fingerprint,
		SignedAt: got.SignedAt, Keyring: keys.public,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-o json (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(got.Fingerprint, keys.fingerprint) || got.SignedAt.IsZero() || len(got.Digest) != len("sha256:")+64 {
		t.Errorf("fingerprint %q, signedAt %v, digest %q", got.Fingerprint, got.SignedAt, got.Digest)
	}
}

func TestVerifyDefaultKeyring(t *testing.T) {
	home := t.TempDir()
	keys := writeKeyrings(t, home, "")
	archive := signedShop(t, t.TempDir(), keys)
	t.Setenv("GNUPGHOME", home) // pubring.gpg is there
	if code, _, stderr := run(t, "verify", archive); code != ExitOK {
		t.Errorf("verify with $GNUPGHOME/pubring.gpg: exit %d: %s", code, stderr)
	}
	t.Setenv("GNUPGHOME", t.TempDir())
	code, _, stderr := run(t, "verify", archive)
	if code != ExitError || !strings.Contains(stderr, "pubring.gpg") {
		t.Errorf("verify without a keyring: exit %d, want 1 naming pubring.gpg: %s", code, stderr)
	}
}

func TestVerifyFailures(t *testing.T) {
	dir := t.TempDir()
	keys := writeKeyrings(t, dir, "")
	other := writeKeyrings(t, t.TempDir(), "")
	archive := signedShop(t, dir, keys)
	tampered := filepath.Join(t.TempDir(), "shop-1.0.0.tgz")
	copyFile(t, archive+".prov", tampered+".prov")
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, append(data, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	unsigned := filepath.Join(t.TempDir(), "shop-1.0.0.tgz")
	copyFile(t, archive, unsigned)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"tampered archive", []string{tampered, "--keyring", keys.public}, ExitError, []string{tampered, "archive digest does not match", "changed after it was signed"}},
		{"unknown key", []string{archive, "--keyring", other.public}, ExitError, []string{archive + ".prov", "not in the keyring", other.public}},
		{"no prov", []string{unsigned, "--keyring", keys.public}, ExitError, []string{unsigned + ".prov", "not signed"}},
		{"missing keyring", []string{archive, "--keyring", filepath.Join(dir, "none.gpg")}, ExitError, []string{"none.gpg", "gpg --export"}},
		{"directory", []string{"testdata/show/shop", "--keyring", keys.public}, ExitUsage, []string{"not a chart archive", "Usage: berth verify"}},
		{"no archive", []string{filepath.Join(dir, "none.tgz"), "--keyring", keys.public}, ExitError, []string{"none.tgz", "no such file"}},
		{"no argument", nil, ExitUsage, []string{"Usage: berth verify"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"verify"}, tt.args...)...)
			if code != tt.code || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPushSignedChart: push sends the .prov beside the archive as the
// provenance layer, and pull --prov brings back a .prov that verifies.
func TestPushSignedChart(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t)
	dir := t.TempDir()
	keys := writeKeyrings(t, dir, "")
	archive := signedShop(t, dir, keys)
	code, stdout, stderr := runRegistryCLI(t, "", "push", archive, reg.Ref("charts"), "--plain-http", "-o", "json")
	if code != ExitOK || stderr != "" {
		t.Fatalf("push: exit %d: %s", code, stderr)
	}
	var pushed struct{ ProvDigest string }
	if err := json.Unmarshal([]byte(stdout), &pushed); err != nil || pushed.ProvDigest == "" {
		t.Fatalf("push -o json pushed no provenance layer (%v):\n%s", err, stdout)
	}
	dest := t.TempDir()
	mustRun(t, "", "pull", reg.Ref("charts/shop"), "--version", "1.0.0", "-d", dest, "--prov", "--plain-http")
	if code, _, stderr := run(t, "verify", filepath.Join(dest, "shop-1.0.0.tgz"), "--keyring", keys.public); code != ExitOK {
		t.Errorf("verify the pulled chart: exit %d: %s", code, stderr)
	}

	// A .prov that does not sign the archive is pushed, with a warning.
	stale := filepath.Join(t.TempDir(), "shop-1.0.0.tgz")
	copyFile(t, archive+".prov", stale+".prov")
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, append(data, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runRegistryCLI(t, "", "push", stale, reg.Ref("stale"), "--plain-http")
	if code != ExitOK || !strings.Contains(stderr, "Warning: "+stale+".prov does not sign") || !strings.Contains(stderr, "digest does not match") {
		t.Errorf("push of a stale .prov: exit %d, stderr:\n%s", code, stderr)
	}
}
