//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/testenv/faultproxy"
	"github.com/berth-sh/berth/pkg/oci"
)

// twoRegistries is a signing session on A, logged in to B too, with one CA
// file trusting both.
type twoRegistries struct {
	signingSession
	b      testRegistry
	bRepo  string // oci://B/e2e/<test>
	bothCA string
}

func newTwoRegistries(t *testing.T) twoRegistries {
	t.Helper()
	s := twoRegistries{signingSession: newSigningSession(t), b: localRegistryB(t)}
	s.bRepo = "oci://" + s.b.Host + strings.TrimPrefix(s.repo, "oci://"+s.reg.Host)
	s.bothCA = filepath.Join(s.dir, "both-ca.pem")
	var pem []byte
	for _, f := range []string{s.reg.CAFile, s.b.CAFile} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pem = append(pem, data...)
	}
	writeFile(t, s.bothCA, string(pem))
	mustBerth(t, s.dir, s.b.Password+"\n", "registry", "login", s.b.Host, "-u", s.b.User, "--password-stdin",
		"--ca-file", s.b.CAFile, "--registry-config", s.config)
	return s
}

// both are the flags of commands that talk to A and B.
func (s twoRegistries) both() []string {
	return []string{"--ca-file", s.bothCA, "--registry-config", s.config}
}

type copyResult struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Digest      string `json:"digest"`
	Referrers   []struct {
		Digest       string `json:"digest"`
		ArtifactType string `json:"artifactType"`
	} `json:"referrers"`
	LegacyTags []string `json:"legacyTags"`
}

// TestCopyBetweenRegistriesKeepsSignatures: a chart pushed to A, signed by
// berth and by cosign (bundle and legacy .sig), copied to B by berth copy,
// has the same digest in B, and both berth and cosign verify it there.
func TestCopyBetweenRegistriesKeepsSignatures(t *testing.T) {
	s := newTwoRegistries(t)
	var pushed signedPushResult
	decodeJSON(t, s.berthEnv(t, "push", s.pack(t, "1.0.0"), s.repo, "--sign", "--key", s.key, "-o", "json"), &pushed)
	src := strings.TrimPrefix(s.repo, "oci://") + "/web@" + pushed.Digest
	mustCosign(t, s.dir, s.dir, "sign", "--key", s.key, "--tlog-upload=false", "--use-signing-config=false", "-y",
		"--new-bundle-format=false", "--registry-cacert", s.reg.CAFile, src)

	var res copyResult
	decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"copy", s.repo + "/web:1.0.0", s.bRepo + "/web", "-o", "json"}, s.both()...)...), &res)
	if res.Digest != pushed.Digest || len(res.Referrers) != 1 || res.Referrers[0].Digest != pushed.Signature.Signature ||
		len(res.LegacyTags) != 1 {
		t.Fatalf("copy = %+v, want digest %s, berth's signature %s and cosign's .sig tag", res, pushed.Digest, pushed.Signature.Signature)
	}
	dst := s.bRepo + "/web:1.0.0"
	var got verifyResult
	decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"verify", dst, "--key", s.pub, "-o", "json"}, s.both()...)...), &got)
	if got.Digest != pushed.Digest {
		t.Errorf("verify in B: digest %s, want %s", got.Digest, pushed.Digest)
	}
	mustCosign(t, s.dir, s.dir, "verify", "--key", s.pub, "--insecure-ignore-tlog=true", "--registry-cacert", s.b.CAFile,
		strings.TrimPrefix(s.bRepo, "oci://")+"/web@"+pushed.Digest)
	mustCosign(t, s.dir, s.dir, "verify", "--key", s.pub, "--insecure-ignore-tlog=true", "--new-bundle-format=false",
		"--registry-cacert", s.b.CAFile, strings.TrimPrefix(s.bRepo, "oci://")+"/web@"+pushed.Digest)
}

// flakyPair puts a fault proxy in front of A and one in front of B and
// logs in to both through them (plain HTTP to the proxies, TLS behind).
func flakyPair(t *testing.T, s twoRegistries) (pa, pb *faultproxy.Proxy, hostA, hostB string) {
	t.Helper()
	pa = faultproxy.Start(t, &rest.Config{Host: "https://" + s.reg.Host, TLSClientConfig: rest.TLSClientConfig{CAFile: s.reg.CAFile}})
	pb = faultproxy.Start(t, &rest.Config{Host: "https://" + s.b.Host, TLSClientConfig: rest.TLSClientConfig{CAFile: s.b.CAFile}})
	hostA, hostB = strings.TrimPrefix(pa.URL(), "http://"), strings.TrimPrefix(pb.URL(), "http://")
	for _, l := range []struct{ host, user, password string }{{hostA, s.reg.User, s.reg.Password}, {hostB, s.b.User, s.b.Password}} {
		mustBerth(t, s.dir, l.password+"\n", "registry", "login", l.host, "-u", l.user, "--password-stdin", "--plain-http", "--registry-config", s.config)
	}
	return pa, pb, hostA, hostB
}

// TestCopyAndPullThroughRegistryFaults copies a signed chart from A to B
// and pulls it from B 20 times, both registries behind proxies that answer
// 5% of requests 429, 2% 500 or 503 and reset 1% after forwarding them:
// all 20 succeed, each copy with its signature.
func TestCopyAndPullThroughRegistryFaults(t *testing.T) {
	s := newTwoRegistries(t)
	var pushed signedPushResult
	decodeJSON(t, s.berthEnv(t, "push", s.pack(t, "2.0.0"), s.repo, "--sign", "--key", s.key, "-o", "json"), &pushed)
	pa, pb, hostA, hostB := flakyPair(t, s)
	faults := faultproxy.Faults{TooManyRequests: 0.05, ServerErrors: 0.02, Resets: 0.01, Seed: 20}
	pa.SetFaults(faults)
	faults.Seed++
	pb.SetFaults(faults)
	path := strings.TrimPrefix(s.repo, "oci://"+s.reg.Host)
	flags := []string{"--plain-http", "--registry-config", s.config}
	start := time.Now()
	for i := range 20 {
		dst := fmt.Sprintf("oci://%s%s/flaky%d/web", hostB, path, i)
		var res copyResult
		decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"copy", "oci://" + hostA + path + "/web:2.0.0", dst, "-o", "json"}, flags...)...), &res)
		if res.Digest != pushed.Digest || len(res.Referrers) != 1 {
			t.Fatalf("copy %d: %+v, want %s with its signature", i, res, pushed.Digest)
		}
		var pulled pullResult
		decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"pull", dst + ":2.0.0", "-d", t.TempDir(), "-o", "json"}, flags...)...), &pulled)
		if pulled.Digest != pushed.Digest {
			t.Fatalf("pull %d: digest %s, want %s", i, pulled.Digest, pushed.Digest)
		}
	}
	a, b := pa.Counts(), pb.Counts()
	t.Logf("20 copies and 20 pulls in %s; A: %s; B: %s", time.Since(start).Round(time.Millisecond), a, b)
	if a.Injected() == 0 || b.Injected() == 0 || a.Resets+b.Resets == 0 || a.ServerErrors+b.ServerErrors == 0 {
		t.Fatalf("too few faults injected to test anything: A %s; B %s", a, b)
	}
	// The copies verify in B, behind no proxy.
	mustBerth(t, s.dir, "", append([]string{"verify", s.bRepo + "/flaky19/web:2.0.0", "--key", s.pub}, s.both()...)...)
}

// TestKilledCopyLeavesNoTag kills berth copy (SIGKILL) when it sends its
// first manifest to B: B has no tag of the chart, and the same copy run
// again completes it, signature included.
func TestKilledCopyLeavesNoTag(t *testing.T) {
	s := newTwoRegistries(t)
	var pushed signedPushResult
	decodeJSON(t, s.berthEnv(t, "push", s.pack(t, "3.0.0"), s.repo, "--sign", "--key", s.key, "-o", "json"), &pushed)
	_, pb, hostA, hostB := flakyPair(t, s)
	path := strings.TrimPrefix(s.repo, "oci://"+s.reg.Host)
	src, dst := "oci://"+hostA+path+"/web:3.0.0", "oci://"+hostB+path+"/killed/web"
	flags := []string{"--plain-http", "--registry-config", s.config}

	ctx, cancel := context.WithTimeout(t.Context(), berthTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBinary(t), append([]string{"copy", src, dst}, flags...)...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "HOME="+s.dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var killed atomic.Bool
	pb.SetOutageWhen(func(r *http.Request) bool {
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/manifests/") {
			return false
		}
		killed.Store(true)
		_ = cmd.Process.Kill()
		return true
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !killed.Load() || !errors.As(err, &exit) {
		t.Fatalf("the copy was not killed at its first manifest (killed %v): %v\n%s", killed.Load(), err, stderr.String())
	}
	if err := pb.SetOutage(false); err != nil {
		t.Fatal(err)
	}
	client, err := oci.NewClient(oci.Options{CAFile: s.b.CAFile, RegistryConfig: s.config})
	if err != nil {
		t.Fatal(err)
	}
	killedRepo := s.bRepo + "/killed/web"
	if tags, err := client.Tags(t.Context(), killedRepo); err == nil && len(tags) > 0 {
		t.Fatalf("a killed copy left tags %v in %s", tags, killedRepo)
	}
	var res copyResult
	decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"copy", src, dst, "-o", "json"}, flags...)...), &res)
	if res.Digest != pushed.Digest || len(res.Referrers) != 1 {
		t.Fatalf("copy again: %+v", res)
	}
	mustBerth(t, s.dir, "", append([]string{"verify", killedRepo + ":3.0.0", "--key", s.pub}, s.both()...)...)
}
