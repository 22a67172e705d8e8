//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// signingSession is a registry session on A with a cosign key pair made by
// cosign generate-key-pair, and a second pair nobody trusts.
type signingSession struct {
	registrySession
	key, pub string // cosign.key, cosign.pub
	otherPub string
}

func newSigningSession(t *testing.T) signingSession {
	t.Helper()
	s := signingSession{registrySession: newRegistrySession(t)}
	mustCosign(t, s.dir, s.dir, "generate-key-pair")
	s.key, s.pub = filepath.Join(s.dir, "cosign.key"), filepath.Join(s.dir, "cosign.pub")
	other := filepath.Join(s.dir, "other")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	mustCosign(t, other, s.dir, "generate-key-pair")
	s.otherPub = filepath.Join(other, "cosign.pub")
	return s
}

// berthEnv runs berth with COSIGN_PASSWORD set, as CI would.
func (s signingSession) berthEnv(t *testing.T, args ...string) string {
	t.Helper()
	t.Setenv("COSIGN_PASSWORD", "pw")
	return s.berth(t, args...)
}

// cosignFlags are the flags every cosign command against A gets.
func (s signingSession) cosignFlags(ca string) []string {
	return []string{"--registry-cacert", ca}
}

type signedPushResult struct {
	Ref       string `json:"ref"`
	Digest    string `json:"digest"`
	Signature struct {
		Signature string `json:"signature"`
		Key       string `json:"key"`
	} `json:"signature"`
}

type verifyResult struct {
	Ref       string `json:"ref"`
	Digest    string `json:"digest"`
	Signature struct {
		Format string `json:"format"`
		Signer string `json:"signer"`
	} `json:"signature"`
}

// TestCosignVerifiesBerthSignature: cosign verify --key accepts what
// berth push --sign (with a key cosign generated) attached, and refuses it
// with another key.
func TestCosignVerifiesBerthSignature(t *testing.T) {
	s := newSigningSession(t)
	var pushed signedPushResult
	decodeJSON(t, s.berthEnv(t, "push", s.pack(t, "0.1.0"), s.repo, "--sign", "--key", s.key, "-o", "json"), &pushed)
	ref := strings.TrimPrefix(pushed.Ref, "oci://")
	ref = ref[:strings.LastIndex(ref, ":")] + "@" + pushed.Digest

	out := mustCosign(t, s.dir, s.dir, append([]string{"verify", "--key", s.pub, "--insecure-ignore-tlog=true", ref}, s.cosignFlags(s.reg.CAFile)...)...)
	if !strings.Contains(out, pushed.Digest) {
		t.Errorf("cosign verify does not name the digest %s:\n%s", pushed.Digest, out)
	}
	if code, out := runCosign(t, s.dir, s.dir, append([]string{"verify", "--key", s.otherPub, "--insecure-ignore-tlog=true", ref}, s.cosignFlags(s.reg.CAFile)...)...); code == 0 {
		t.Errorf("cosign verify accepted berth's signature with another key:\n%s", out)
	}
}

// TestBerthVerifiesCosignSignatures: berth verify --key accepts cosign
// sign --key's signature, in the bundle format (v3's default) and in the
// older .sig tag form, and refuses both with another key.
func TestBerthVerifiesCosignSignatures(t *testing.T) {
	s := newSigningSession(t)
	for _, tc := range []struct {
		version, format string
		extra           []string
	}{
		{"0.2.0", "sigstore-bundle", nil},
		{"0.3.0", "cosign-legacy", []string{"--new-bundle-format=false"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			pushed := s.push(t, s.pack(t, tc.version))
			ref := s.repo + "/web@" + pushed.Digest
			args := append([]string{"sign", "--key", s.key, "--tlog-upload=false", "--use-signing-config=false", "-y"}, tc.extra...)
			args = append(append(args, s.cosignFlags(s.reg.CAFile)...), strings.TrimPrefix(ref, "oci://"))
			mustCosign(t, s.dir, s.dir, args...)

			var got verifyResult
			decodeJSON(t, s.berth(t, "verify", ref, "--key", s.pub, "-o", "json"), &got)
			if got.Digest != pushed.Digest || got.Signature.Format != tc.format || !strings.HasPrefix(got.Signature.Signer, "sha256:") {
				t.Errorf("berth verify = %+v, want %s signed by cosign.pub in format %s", got, pushed.Digest, tc.format)
			}
			run := runBerth(t, s.dir, "", append([]string{"verify", ref, "--key", s.otherPub}, s.flags()...)...)
			if run.ExitCode != 1 || !strings.Contains(run.Stderr, "no accepted signature") {
				t.Errorf("berth verify with another key: exit %d\n%s", run.ExitCode, run.Stderr)
			}
		})
	}
}

// TestPolicyRefusesBeforeRendering: under an enforcing policy, an unsigned
// chart and a chart signed by another key are refused by template and
// pull, with nothing rendered or written; the signed one passes.
func TestPolicyRefusesBeforeRendering(t *testing.T) {
	s := newSigningSession(t)
	unsigned := s.push(t, s.pack(t, "1.0.0"))
	var signed signedPushResult
	decodeJSON(t, s.berthEnv(t, "push", s.pack(t, "1.1.0"), s.repo, "--sign", "--key", s.key, "-o", "json"), &signed)
	policy := filepath.Join(s.dir, "trust-policy.yaml")
	writeFile(t, policy, "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n"+
		"  - name: e2e\n    scopes: ["+strings.TrimPrefix(s.repo, "oci://")+"]\n    keys: [cosign.pub]\n"+
		"  - name: elsewhere\n    scopes: ['*']\n    keys: [other/cosign.pub]\n")

	for _, ref := range []string{s.repo + "/web@" + unsigned.Digest, s.repo + "/web:1.0.0"} {
		run := runBerth(t, s.dir, "", append([]string{"template", "web", ref, "--policy", policy}, s.flags()...)...)
		if run.ExitCode != 1 || run.Stdout != "" || !strings.Contains(run.Stderr, "no accepted signature") {
			t.Errorf("template of an unsigned chart: exit %d\nstdout %q\nstderr %s", run.ExitCode, run.Stdout, run.Stderr)
		}
	}
	dest := t.TempDir()
	run := runBerth(t, s.dir, "", append([]string{"pull", s.repo + "/web:1.0.0", "--verify", "--policy", policy, "-d", dest}, s.flags()...)...)
	entries, _ := os.ReadDir(dest)
	if run.ExitCode != 1 || len(entries) != 0 {
		t.Errorf("pull of an unsigned chart: exit %d, wrote %d files\n%s", run.ExitCode, len(entries), run.Stderr)
	}
	// Signed by a key the rule for this repository does not trust.
	otherPolicy := filepath.Join(s.dir, "other-policy.yaml")
	writeFile(t, otherPolicy, "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\nrules:\n  - scopes: ['*']\n    keys: [other/cosign.pub]\n")
	run = runBerth(t, s.dir, "", append([]string{"template", "web", s.repo + "/web:1.1.0", "--policy", otherPolicy}, s.flags()...)...)
	if run.ExitCode != 1 || run.Stdout != "" || !strings.Contains(run.Stderr, "none accepted") {
		t.Errorf("template of a chart signed by another key: exit %d\n%s", run.ExitCode, run.Stderr)
	}
	out := s.berth(t, "template", "web", s.repo+"/web:1.1.0", "--policy", policy)
	if !strings.Contains(out, "kind: Deployment") {
		t.Errorf("the signed chart did not render:\n%s", out)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
