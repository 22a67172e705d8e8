//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// signingKeys are the GnuPG legacy keyrings (binary, as gpg --export and
// gpg --export-secret-keys write them, and the public one armored) of one
// generated key, in a directory of their own.
type signingKeys struct {
	name, email, fingerprint string
	public, secret, armored  string
	passphraseFile           string
}

// keyKind is the kind of key a test generates.
type keyKind struct {
	name   string
	rsa    bool // RSA 2048 rather than Ed25519
	subkey bool // with a signing subkey, which then signs
}

var keyKinds = []keyKind{{name: "ed25519"}, {name: "rsa", rsa: true}, {name: "signing subkey", subkey: true}}

// newSigningKeys generates a key of kind for "name <email>", protected by
// passphrase unless it is "".
func newSigningKeys(t *testing.T, name, email, passphrase string, kind keyKind) signingKeys {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}
	if kind.rsa {
		cfg = &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048}
	}
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	if kind.subkey {
		if err := e.AddSigningSubkey(cfg); err != nil {
			t.Fatalf("add signing subkey: %v", err)
		}
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
	dir := t.TempDir()
	k := signingKeys{
		name: name, email: email, fingerprint: strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint)),
		public: filepath.Join(dir, "pubring.gpg"), secret: filepath.Join(dir, "secring.gpg"),
		armored: filepath.Join(dir, "pubring.asc"), passphraseFile: filepath.Join(dir, "passphrase"),
	}
	files := map[string][]byte{k.public: pub.Bytes(), k.secret: sec.Bytes(), k.armored: arm.Bytes(), k.passphraseFile: []byte(passphrase + "\n")}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// signArgs are the flags, the same for berth and helm, that sign with k.
func (k signingKeys) signArgs() []string {
	return []string{"--sign", "--key", k.email, "--keyring", k.secret, "--passphrase-file", k.passphraseFile}
}

// interopHelm returns bin/helm (or $BERTH_BIN_DIR/helm), Helm v4.3.1, which
// hack/tools/build.sh helm builds and make e2e builds first.
func interopHelm(t *testing.T) string {
	t.Helper()
	dir, err := repo.BinDir()
	if err != nil {
		t.Fatalf("find helm: %v", err)
	}
	path := filepath.Join(dir, "helm")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("helm binary: %v\nrun `hack/tools/build.sh helm` first (make e2e does)", err)
	}
	return path
}

// runHelm runs helm with args in dir, HOME and Helm's directories in dir.
func runHelm(t *testing.T, dir string, args ...string) berthRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), berthTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, interopHelm(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "HELM_CONFIG_HOME="+filepath.Join(dir, ".helm/config"),
		"HELM_CACHE_HOME="+filepath.Join(dir, ".helm/cache"), "HELM_DATA_HOME="+filepath.Join(dir, ".helm/data"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := berthRun{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		run.ExitCode = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run helm %s: %v", strings.Join(args, " "), err)
	}
	return run
}

// signedChartDir writes a chart named web, version 0.3.0, into a new
// directory and returns that directory.
func signedChartDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"web/Chart.yaml":               "apiVersion: v2\nname: web\nversion: 0.3.0\ndescription: signed in the e2e tests\nmaintainers:\n  - name: Ann\n    email: ann@example.com\n",
		"web/values.yaml":              "replicas: 1\n",
		"web/templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tamperedCopy copies archive and its .prov into a new directory, the
// archive with one byte more, and returns the copy's path.
func tamperedCopy(t *testing.T, archive string) string {
	t.Helper()
	copied := filepath.Join(t.TempDir(), filepath.Base(archive))
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := os.ReadFile(archive + ".prov")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, append(data, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied+".prov", prov, 0o600); err != nil {
		t.Fatal(err)
	}
	return copied
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestProvenanceBerthSignsHelmVerifies: helm verify accepts what berth
// package --sign writes, with binary and armored keyrings, Ed25519 and RSA
// keys and a signing subkey, and refuses a tampered archive and a keyring
// without the signer.
func TestProvenanceBerthSignsHelmVerifies(t *testing.T) {
	other := newSigningKeys(t, "Someone Else", "else@example.com", "", keyKinds[0])
	for _, kind := range keyKinds {
		keys := newSigningKeys(t, "Berth Signer", "signer@example.com", "open sesame", kind)
		t.Run(kind.name, func(t *testing.T) {
			dir := signedChartDir(t)
			mustBerth(t, dir, "", append([]string{"package", "web"}, keys.signArgs()...)...)
			archive := filepath.Join(dir, "web-0.3.0.tgz")
			for _, ring := range []string{keys.public, keys.armored} {
				run := runHelm(t, dir, "verify", archive, "--keyring", ring)
				want := []string{
					"Signed by: Berth Signer <signer@example.com>\n",
					"Using Key With Fingerprint: " + keys.fingerprint + "\n",
					"Chart Hash Verified: " + sha256File(t, archive) + "\n",
				}
				if run.ExitCode != 0 || run.Stdout != strings.Join(want, "") {
					t.Errorf("helm verify --keyring %s: exit %d\nstdout:\n%s\nstderr:\n%s", filepath.Base(ring), run.ExitCode, run.Stdout, run.Stderr)
				}
			}
			expectFailure(t, runHelm(t, dir, "verify", tamperedCopy(t, archive), "--keyring", keys.public), "sha256 sum does not match")
			expectFailure(t, runHelm(t, dir, "verify", archive, "--keyring", other.public), "unknown entity")
		})
	}
}

// TestProvenanceHelmSignsBerthVerifies: berth verify accepts what helm
// package --sign writes, and refuses a tampered archive and a keyring
// without the signer with errors that say so. (Helm signs with the primary
// key even when the key has a signing subkey.)
func TestProvenanceHelmSignsBerthVerifies(t *testing.T) {
	other := newSigningKeys(t, "Someone Else", "else@example.com", "", keyKinds[0])
	for _, kind := range keyKinds {
		keys := newSigningKeys(t, "Helm Signer", "helm@example.com", "open sesame", kind)
		t.Run(kind.name, func(t *testing.T) {
			dir := signedChartDir(t)
			if run := runHelm(t, dir, append([]string{"package", "web"}, keys.signArgs()...)...); run.ExitCode != 0 {
				t.Fatalf("helm package --sign: exit %d\n%s", run.ExitCode, run.Stderr)
			}
			archive := filepath.Join(dir, "web-0.3.0.tgz")
			for _, ring := range []string{keys.public, keys.armored} {
				var got struct {
					Digest, Chart, Version, Fingerprint string
					SignedBy                            []string
				}
				out := mustBerth(t, dir, "", "verify", archive, "--keyring", ring, "-o", "json")
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatalf("verify -o json: %v\n%s", err, out)
				}
				if got.Digest != sha256File(t, archive) || got.Chart != "web" || got.Version != "0.3.0" ||
					got.Fingerprint != keys.fingerprint || len(got.SignedBy) != 1 || got.SignedBy[0] != "Helm Signer <helm@example.com>" {
					t.Errorf("berth verify --keyring %s = %+v", filepath.Base(ring), got)
				}
			}
			tampered := tamperedCopy(t, archive)
			expectFailure(t, runBerth(t, dir, "", "verify", tampered, "--keyring", keys.public), tampered+": archive digest does not match")
			expectFailure(t, runBerth(t, dir, "", "verify", archive, "--keyring", other.public), archive+".prov: signed by a key not in the keyring")
		})
	}
}

// expectFailure fails the test unless run exited 1 saying want.
func expectFailure(t *testing.T, run berthRun, want string) {
	t.Helper()
	if run.ExitCode != 1 || !strings.Contains(run.Stderr, want) {
		t.Errorf("exit %d, want 1 saying %q\nstderr:\n%s", run.ExitCode, want, run.Stderr)
	}
}
