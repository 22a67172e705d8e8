package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/signing"
)

// cosignKeyPair writes an encrypted cosign key pair (passphrase "pw") into
// dir as NAME.key and NAME.pub.
func cosignKeyPair(t *testing.T, dir, name string) (priv, pub string) {
	t.Helper()
	privPEM, pubPEM, err := signing.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if err := os.WriteFile(priv, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pubPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

type signedPush struct {
	Ref       string `json:"ref"`
	Digest    string `json:"digest"`
	Signature struct {
		Digest    string `json:"digest"`
		Signature string `json:"signature"`
		Key       string `json:"key"`
	} `json:"signature"`
}

func TestPushSignVerifyCopy(t *testing.T) {
	isolateRegistryEnv(t)
	dir := t.TempDir()
	regA, regB := registry.New(t), registry.New(t)
	archive := writeChartArchive(t, dir, "web", "1.0.0")
	key, pub := cosignKeyPair(t, dir, "release")
	_, otherPub := cosignKeyPair(t, dir, "other")
	t.Setenv(signing.EnvPassword, "pw")

	var pushed signedPush
	out := mustRun(t, "", "push", archive, regA.Ref("charts"), "--plain-http", "--sign", "--key", key, "-o", "json")
	if err := json.Unmarshal([]byte(out), &pushed); err != nil {
		t.Fatalf("push -o json: %v\n%s", err, out)
	}
	if pushed.Signature.Digest != pushed.Digest || pushed.Signature.Signature == "" || !strings.HasPrefix(pushed.Signature.Key, "sha256:") {
		t.Fatalf("push --sign result %+v", pushed)
	}

	out = mustRun(t, "", "verify", pushed.Ref, "--plain-http", "--key", pub)
	for _, want := range []string{"Verified: " + regA.Ref("charts/web@"+pushed.Digest), "Signed by: " + pushed.Signature.Key, "Format: sigstore-bundle"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	code, _, stderr := runRegistryCLI(t, "", "verify", pushed.Ref, "--plain-http", "--key", otherPub)
	if code != ExitError || !strings.Contains(stderr, "no accepted signature") {
		t.Errorf("verify with another key: exit %d\n%s", code, stderr)
	}

	out = mustRun(t, "", "copy", pushed.Ref, regB.Ref("mirror/web"), "--plain-http", "-o", "json")
	var copied struct {
		Digest    string `json:"digest"`
		Referrers []struct {
			Digest string `json:"digest"`
		} `json:"referrers"`
	}
	if err := json.Unmarshal([]byte(out), &copied); err != nil {
		t.Fatal(err)
	}
	if copied.Digest != pushed.Digest || len(copied.Referrers) != 1 || copied.Referrers[0].Digest != pushed.Signature.Signature {
		t.Errorf("copy result %s, want digest %s with the signature %s", out, pushed.Digest, pushed.Signature.Signature)
	}
	mustRun(t, "", "verify", regB.Ref("mirror/web:1.0.0"), "--plain-http", "--key", pub)
}

func TestSignByTagWarnsAndUsageErrors(t *testing.T) {
	isolateRegistryEnv(t)
	dir := t.TempDir()
	reg := registry.New(t)
	archive := writeChartArchive(t, dir, "web", "1.0.0")
	mustRun(t, "", "push", archive, reg.Ref("charts"), "--plain-http")
	key, _ := cosignKeyPair(t, dir, "release")

	t.Setenv(signing.EnvPassword, "pw")
	code, stdout, stderr := runRegistryCLI(t, "", "sign", reg.Ref("charts/web:1.0.0"), "--plain-http", "--key", key)
	if code != ExitOK || !strings.Contains(stderr, "is a tag; signing the digest it points at now") || !strings.Contains(stdout, "Signed: ") {
		t.Errorf("sign by tag: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	t.Setenv(signing.EnvPassword, "wrong")
	if code, _, stderr := runRegistryCLI(t, "", "sign", reg.Ref("charts/web:1.0.0"), "--plain-http", "--key", key); code != ExitError ||
		!strings.Contains(stderr, "wrong passphrase") {
		t.Errorf("sign with a wrong passphrase: exit %d\n%s", code, stderr)
	}
	os.Unsetenv(signing.EnvPassword) //nolint:errcheck,usetesting // t.Setenv restores it; the test needs it unset
	if code, _, stderr := runRegistryCLI(t, "", "sign", reg.Ref("charts/web:1.0.0"), "--plain-http", "--key", key); code != ExitError ||
		!strings.Contains(stderr, "no terminal to ask for its passphrase") {
		t.Errorf("sign without a passphrase: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"sign", reg.Ref("charts/web:1.0.0")},
		{"sign", "web-1.0.0.tgz", "--key", key},
		{"push", archive, reg.Ref("charts"), "--sign"},
		{"push", archive, reg.Ref("charts"), "--key", key},
		{"verify", reg.Ref("charts/web:1.0.0"), "--key", key, "--policy", "p.yaml"},
		{"verify", archive, "--key", key},
		{"copy", reg.Ref("charts/web:1.0.0"), "mirror/web"},
	} {
		if code, _, stderr := runRegistryCLI(t, "", args...); code != ExitUsage {
			t.Errorf("berth %s: exit %d, want %d\n%s", strings.Join(args, " "), code, ExitUsage, stderr)
		}
	}
}

// TestTemplateVerifiesBeforeRendering: under an enforcing policy an
// unsigned chart renders nothing; a signed one renders; under warn the
// unsigned one renders with a warning.
func TestTemplateVerifiesBeforeRendering(t *testing.T) {
	isolateRegistryEnv(t)
	dir := t.TempDir()
	reg := registry.New(t)
	key, pub := cosignKeyPair(t, dir, "release")
	t.Setenv(signing.EnvPassword, "pw")
	mustRun(t, "", "push", writeChartArchive(t, dir, "web", "1.0.0"), reg.Ref("charts"), "--plain-http")
	signedDir := t.TempDir()
	mustRun(t, "", "push", writeChartArchive(t, signedDir, "web", "2.0.0"), reg.Ref("charts"), "--plain-http", "--sign", "--key", key)
	policy := func(mode string) string {
		path := filepath.Join(dir, mode+".yaml")
		text := "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - name: registry\n    scopes: [" + reg.Host + "]\n" +
			"    mode: " + mode + "\n    keys: [release.pub]\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_ = pub

	code, stdout, stderr := runRegistryCLI(t, "", "template", "rel", reg.Ref("charts/web:1.0.0"), "--plain-http", "--policy", policy("enforce"))
	if code != ExitError || stdout != "" || !strings.Contains(stderr, "no accepted signature") || !strings.Contains(stderr, `rule "registry"`) {
		t.Errorf("unsigned under enforce: exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
	}
	out := mustRun(t, "", "template", "rel", reg.Ref("charts/web:2.0.0"), "--plain-http", "--policy", policy("enforce"))
	if !strings.Contains(out, "kind: ConfigMap") {
		t.Errorf("signed chart did not render:\n%s", out)
	}
	code, stdout, stderr = runRegistryCLI(t, "", "template", "rel", reg.Ref("charts/web:1.0.0"), "--plain-http", "--verify", "--policy", policy("warn"))
	if code != ExitOK || !strings.Contains(stdout, "kind: ConfigMap") || !strings.Contains(stderr, "warn mode") {
		t.Errorf("unsigned under warn: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// The default policy: $BERTH_TRUST_POLICY.
	t.Setenv(signing.EnvPolicy, policy("enforce"))
	if code, _, stderr := runRegistryCLI(t, "", "pull", reg.Ref("charts/web:1.0.0"), "--plain-http", "--verify", "-d", t.TempDir()); code != ExitError ||
		!strings.Contains(stderr, "no accepted signature") {
		t.Errorf("pull --verify under the default policy: exit %d\n%s", code, stderr)
	}
}

// TestDependencyUpdateVerifiesSubcharts: dependency update --policy
// refuses an unsigned subchart from a registry, writing nothing, and takes
// it once it is signed.
func TestDependencyUpdateVerifiesSubcharts(t *testing.T) {
	isolateRegistryEnv(t)
	dir := t.TempDir()
	reg := registry.New(t)
	key, _ := cosignKeyPair(t, dir, "release")
	t.Setenv(signing.EnvPassword, "pw")
	var pushed signedPush
	if err := json.Unmarshal([]byte(mustRun(t, "", "push", writeChartArchive(t, dir, "db", "1.0.0"), reg.Ref("charts"), "--plain-http", "-o", "json")), &pushed); err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(dir, "parent")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	chartYAML := "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 1.0.0\n    repository: " + reg.Ref("charts") + "\n"
	if err := os.WriteFile(filepath.Join(parent, "Chart.yaml"), []byte(chartYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte("apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - scopes: ['*']\n    keys: [release.pub]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BERTH_REPOSITORY_CONFIG", filepath.Join(dir, "repositories.yaml"))
	code, _, stderr := runRegistryCLI(t, "", "dependency", "update", parent, "--plain-http", "--policy", policy)
	if code != ExitError || !strings.Contains(stderr, "dependency db") || !strings.Contains(stderr, "no accepted signature") {
		t.Errorf("unsigned subchart: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(parent, "charts", "db-1.0.0.tgz")); err == nil {
		t.Error("the refused subchart was written into charts/")
	}
	mustRun(t, "", "sign", reg.Ref("charts/db@"+pushed.Digest), "--plain-http", "--key", key)
	mustRun(t, "", "dependency", "update", parent, "--plain-http", "--policy", policy)
	if _, err := os.Stat(filepath.Join(parent, "charts", "db-1.0.0.tgz")); err != nil {
		t.Errorf("the signed subchart was not written: %v", err)
	}
}

// TestInstallRefusedByPolicyAppliesNothing: install and upgrade of an
// unsigned chart under an enforcing policy fail before anything is
// recorded or applied; the signed chart installs, and its revision records
// the signature check.
func TestInstallRefusedByPolicyAppliesNothing(t *testing.T) {
	isolateRegistryEnv(t)
	dir := t.TempDir()
	reg := registry.New(t)
	key, _ := cosignKeyPair(t, dir, "release")
	t.Setenv(signing.EnvPassword, "pw")
	mustRun(t, "", "push", writeChartArchive(t, dir, "web", "1.0.0"), reg.Ref("charts"), "--plain-http")
	signedDir := t.TempDir()
	mustRun(t, "", "push", writeChartArchive(t, signedDir, "web", "2.0.0"), reg.Ref("charts"), "--plain-http", "--sign", "--key", key)
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte("apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - scopes: ['*']\n    keys: [release.pub]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conn := clusterArgs(t)
	flags := append([]string{"--plain-http", "--policy", policy}, conn...)
	code, _, stderr := run(t, append([]string{"install", "web", reg.Ref("charts/web:1.0.0")}, flags...)...)
	if code != ExitError || !strings.Contains(stderr, "no accepted signature") {
		t.Fatalf("install of an unsigned chart: exit %d\n%s", code, stderr)
	}
	if out := runOK(t, append([]string{"list", "-q"}, conn...)...); strings.TrimSpace(out) != "" {
		t.Fatalf("a refused install left a release: %q", out)
	}
	runOK(t, append([]string{"install", "web", reg.Ref("charts/web:2.0.0")}, flags...)...)
	code, _, stderr = run(t, append([]string{"upgrade", "web", reg.Ref("charts/web:1.0.0")}, flags...)...)
	if code != ExitError || !strings.Contains(stderr, "no accepted signature") {
		t.Fatalf("upgrade to an unsigned chart: exit %d\n%s", code, stderr)
	}
	out := runOK(t, append([]string{"history", "web", "-o", "json"}, conn...)...)
	if strings.Count(out, `"revision"`) != 1 {
		t.Errorf("history after a refused upgrade, want one revision:\n%s", out)
	}
	if out := runOK(t, append([]string{"status", "web", "-o", "json"}, conn...)...); !strings.Contains(out, "sigstore-bundle") {
		t.Errorf("status does not record the signature check:\n%s", out)
	}
}
