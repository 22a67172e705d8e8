package oci

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/testenv/faultproxy"
	"github.com/berth-sh/berth/internal/testenv/registry"
)

// fastRetries keeps the policy's shape with short waits.
var fastRetries = RetryPolicy{BaseDelay: 2 * time.Millisecond, MaxDelay: 20 * time.Millisecond}

// flakyRegistry starts an in-process registry behind a fault proxy and
// returns the proxy and the registry host to use (the proxy's).
func flakyRegistry(t *testing.T) (*faultproxy.Proxy, string) {
	t.Helper()
	reg := registry.New(t)
	p := faultproxy.Start(t, &rest.Config{Host: reg.URL})
	return p, strings.TrimPrefix(p.URL(), "http://")
}

// TestPushPullCopyThroughFaults pushes, copies (with a referrer) and pulls
// 20 charts through registries answering 5% of requests 429, 2% 500 or
// 503 and resetting 1% after forwarding them: every operation succeeds.
func TestPushPullCopyThroughFaults(t *testing.T) {
	pa, hostA := flakyRegistry(t)
	pb, hostB := flakyRegistry(t)
	faults := faultproxy.Faults{TooManyRequests: 0.05, ServerErrors: 0.02, Resets: 0.01, Seed: 16}
	pa.SetFaults(faults)
	faults.Seed++
	pb.SetFaults(faults)
	c := newTestClient(t, Options{PlainHTTP: true, Retry: fastRetries})
	for i := range 20 {
		version := fmt.Sprintf("1.0.%d", i)
		pushed, err := c.Push(t.Context(), simpleChart(t, "app", version), "oci://"+hostA+"/charts", PushOptions{})
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		subject, _ := ParseReference(pushed.Ref)
		if _, err := c.Attach(t.Context(), subject.WithDigest(pushed.Digest), Artifact{
			ArtifactType: "application/vnd.example.sig",
			Layers:       []Blob{{MediaType: "application/vnd.example.sig", Data: []byte(version)}},
		}); err != nil {
			t.Fatalf("attach %d: %v", i, err)
		}
		res, err := c.Copy(t.Context(), pushed.Ref, "oci://"+hostB+"/mirror/app")
		if err != nil {
			t.Fatalf("copy %d: %v", i, err)
		}
		if res.Digest != pushed.Digest || len(res.Referrers) != 1 {
			t.Fatalf("copy %d: digest %s with %d referrers, want %s with 1", i, res.Digest, len(res.Referrers), pushed.Digest)
		}
		pulled, err := c.Pull(t.Context(), "oci://"+hostB+"/mirror/app", version)
		if err != nil {
			t.Fatalf("pull %d: %v", i, err)
		}
		if pulled.Digest != pushed.Digest {
			t.Fatalf("pull %d: digest %s, want %s", i, pulled.Digest, pushed.Digest)
		}
	}
	a, b := pa.Counts(), pb.Counts()
	t.Logf("registry A: %s", a)
	t.Logf("registry B: %s", b)
	if a.TooManyRequests == 0 || b.TooManyRequests == 0 || a.ServerErrors+b.ServerErrors == 0 || a.Resets+b.Resets == 0 {
		t.Fatalf("the proxies injected too few faults to test anything: A %s; B %s", a, b)
	}
}

// TestRetryPolicyByRequest checks which requests are sent again after a
// 500: reads, manifest puts, deletes and upload sessions are; the PUT of a
// blob into a session is not.
func TestRetryPolicyByRequest(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	client := &http.Client{Transport: fastRetries.Wrap(http.DefaultTransport)}
	for _, tc := range []struct {
		method, path string
		retried      bool
	}{
		{http.MethodGet, "/v2/a/manifests/1.0.0", true},
		{http.MethodHead, "/v2/a/blobs/sha256:00", true},
		{http.MethodPut, "/v2/a/manifests/sha256:00", true},
		{http.MethodDelete, "/v2/a/manifests/sha256:00", true},
		{http.MethodPost, "/v2/a/blobs/uploads/", true},
		{http.MethodPut, "/v2/a/blobs/uploads/session?digest=sha256:00", false},
		{http.MethodPatch, "/v2/a/blobs/uploads/session", false},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			calls.Store(0)
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, strings.NewReader("body"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := http.StatusInternalServerError
			if tc.retried {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("status %d after %d calls, want %d", resp.StatusCode, calls.Load(), want)
			}
		})
	}
}

// TestRetriedDeleteThatLanded: a DELETE whose first answer was lost and
// whose retry finds nothing reports the deletion.
func TestRetriedDeleteThatLanded(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	client := &http.Client{Transport: fastRetries.Wrap(http.DefaultTransport)}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, srv.URL+"/v2/a/manifests/sha256:00", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status %d, want 202", resp.StatusCode)
	}
}
