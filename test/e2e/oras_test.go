//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// orasBinary returns bin/oras, which hack/tools/build.sh oras builds.
func orasBinary(t *testing.T) string {
	t.Helper()
	dir, err := repo.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "oras")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("oras: %v\nrun `hack/tools/build.sh oras` (make tools does)", err)
	}
	return path
}

// mustOras runs the oras CLI with s's credentials and CAs.
func (s twoRegistries) mustOras(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), orasBinary(t), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "HOME="+s.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oras %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestOrasAndBerthCopiesKeepReferrers: what berth copy copies to B, oras
// discover lists with berth's signature among the referrers; what oras cp
// -r copies from A to B, berth verify accepts in B with the key.
func TestOrasAndBerthCopiesKeepReferrers(t *testing.T) {
	s := newTwoRegistries(t)
	var pushed signedPushResult
	decodeJSON(t, s.berthEnv(t, "push", s.pack(t, "1.0.0"), s.repo, "--sign", "--key", s.key, "-o", "json"), &pushed)
	hostPath := func(r string) string { return strings.TrimPrefix(r, "oci://") }

	// berth copy, then oras discover in B.
	mustBerth(t, s.dir, "", append([]string{"copy", s.repo + "/web:1.0.0", s.bRepo + "/web"}, s.both()...)...)
	out := s.mustOras(t, "discover", "--format", "json", "--ca-file", s.b.CAFile, "--registry-config", s.config,
		hostPath(s.bRepo)+"/web@"+pushed.Digest)
	var discovered struct {
		Referrers []struct {
			Digest string `json:"digest"`
		} `json:"referrers"`
	}
	if err := json.Unmarshal([]byte(out), &discovered); err != nil {
		t.Fatalf("oras discover printed %q: %v", out, err)
	}
	found := false
	for _, r := range discovered.Referrers {
		found = found || r.Digest == pushed.Signature.Signature
	}
	if !found {
		t.Errorf("oras discover in B does not list berth's signature %s:\n%s", pushed.Signature.Signature, out)
	}

	// oras cp -r from A to another repository of B, then berth verify there.
	dst := hostPath(s.bRepo) + "/by-oras/web"
	s.mustOras(t, "cp", "-r", "--from-ca-file", s.reg.CAFile, "--to-ca-file", s.b.CAFile,
		"--from-registry-config", s.config, "--to-registry-config", s.config,
		hostPath(s.repo)+"/web@"+pushed.Digest, dst+":1.0.0")
	var got verifyResult
	decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"verify", "oci://" + dst + ":1.0.0", "--key", s.pub, "-o", "json"}, s.both()...)...), &got)
	if got.Digest != pushed.Digest {
		t.Errorf("berth verify after oras cp -r: digest %s, want %s", got.Digest, pushed.Digest)
	}
	code := runBerth(t, s.dir, "", append([]string{"verify", "oci://" + dst + ":1.0.0", "--key", s.otherPub}, s.both()...)...).ExitCode
	if code == 0 {
		t.Error("berth verify with a key that did not sign accepted the copy")
	}
}
