package kube_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/pkg/kube"
)

// fastPolicy retries quickly, so that tests take milliseconds.
var fastPolicy = kube.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

// scripted is a server answering the n-th request with statuses[n] (the
// last one once they run out) and recording the bodies it received.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	bodies   []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.bodies)
	s.bodies = append(s.bodies, string(body))
	status := s.statuses[min(n, len(s.statuses)-1)]
	s.mu.Unlock()
	if status == http.StatusTooManyRequests || status >= 500 {
		for k, v := range s.header {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(status)
}

func (s *scripted) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// reply is a response whose body was read and closed.
type reply struct {
	status int
	header http.Header
}

// send sends one request through rt and returns its response.
func send(t *testing.T, ctx context.Context, rt http.RoundTripper, method, url, contentType, body string) (reply, error) {
	t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return reply{}, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return reply{status: resp.StatusCode, header: resp.Header}, nil
}

func TestRetryTransportStatuses(t *testing.T) {
	const apply, merge = "application/apply-patch+yaml", "application/merge-patch+json"
	tests := []struct {
		name        string
		method, ct  string
		statuses    []int
		wantStatus  int
		wantAttempt int
	}{
		{"GET retried on 503", http.MethodGet, "", []int{503, 503, 200}, 200, 3},
		{"GET retried on 500, 502, 504", http.MethodGet, "", []int{500, 502, 504, 200}, 200, 4},
		{"GET gives up after max attempts", http.MethodGet, "", []int{500}, 500, 4},
		{"GET not retried on 404", http.MethodGet, "", []int{404, 200}, 404, 1},
		{"GET not retried on 501", http.MethodGet, "", []int{501, 200}, 501, 1},
		{"POST retried on 429", http.MethodPost, "application/json", []int{429, 429, 201}, 201, 3},
		{"POST not retried on 500", http.MethodPost, "application/json", []int{500, 201}, 500, 1},
		{"PUT not retried on 503", http.MethodPut, "application/json", []int{503, 200}, 503, 1},
		{"server-side apply retried on 500", http.MethodPatch, apply, []int{500, 200}, 200, 2},
		{"merge patch not retried on 500", http.MethodPatch, merge, []int{500, 200}, 500, 1},
		{"DELETE retried on 502", http.MethodDelete, "", []int{502, 200}, 200, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := &scripted{statuses: tt.statuses, header: http.Header{"Retry-After": {"0"}}}
			ts := httptest.NewServer(server)
			defer ts.Close()
			body := ""
			if tt.method != http.MethodGet && tt.method != http.MethodDelete {
				body = `{"kind":"Secret"}`
			}
			resp, err := send(t, t.Context(), fastPolicy.Wrap(http.DefaultTransport), tt.method, ts.URL, tt.ct, body)
			if err != nil {
				t.Fatalf("%s: %v", tt.method, err)
			}
			got := struct{ Status, Attempts int }{resp.status, len(server.received())}
			want := struct{ Status, Attempts int }{tt.wantStatus, tt.wantAttempt}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status and attempts (-want +got):\n%s", diff)
			}
			if (resp.status == http.StatusTooManyRequests || resp.status >= 500) && resp.header.Get("Retry-After") != "" {
				t.Errorf("response given up on keeps Retry-After %q: client-go would retry it again", resp.header.Get("Retry-After"))
			}
		})
	}
}

func TestRetryTransportResendsBody(t *testing.T) {
	server := &scripted{statuses: []int{429, 503, 200}}
	ts := httptest.NewServer(server)
	defer ts.Close()
	const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`
	resp, err := send(t, t.Context(), fastPolicy.Wrap(http.DefaultTransport), http.MethodPatch, ts.URL, "application/apply-patch+yaml", body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.status != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.status)
	}
	if diff := cmp.Diff([]string{body, body, body}, server.received()); diff != "" {
		t.Errorf("bodies received (-want +got):\n%s", diff)
	}
}

func TestRetryTransportHonoursRetryAfter(t *testing.T) {
	server := &scripted{statuses: []int{429, 200}, header: http.Header{"Retry-After": {"1"}}}
	ts := httptest.NewServer(server)
	defer ts.Close()
	start := time.Now()
	resp, err := send(t, t.Context(), fastPolicy.Wrap(http.DefaultTransport), http.MethodGet, ts.URL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); resp.status != http.StatusOK || elapsed < time.Second {
		t.Errorf("got status %d after %s, want 200 after at least the 1s Retry-After asks for", resp.status, elapsed)
	}
}

func TestRetryTransportRespectsDeadline(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		wantMax    time.Duration
	}{
		// Backoff waits that fit the deadline are taken, then it stops.
		{"backoff", "", 700 * time.Millisecond},
		// A Retry-After beyond the deadline is not waited for at all.
		{"retry-after beyond deadline", "30", 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := &scripted{statuses: []int{503}, header: http.Header{"Retry-After": {tt.retryAfter}}}
			ts := httptest.NewServer(server)
			defer ts.Close()
			policy := kube.RetryPolicy{MaxAttempts: 1000, BaseDelay: 50 * time.Millisecond, MaxDelay: 100 * time.Millisecond}
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			resp, err := send(t, ctx, policy.Wrap(http.DefaultTransport), http.MethodGet, ts.URL, "", "")
			elapsed := time.Since(start)
			// It ends with the last 503, or the deadline passing during
			// the last attempt.
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got error %v, want a 503 or the deadline", err)
			}
			if err == nil && resp.status != http.StatusServiceUnavailable {
				t.Errorf("got status %d, want 503", resp.status)
			}
			if elapsed > tt.wantMax {
				t.Errorf("returned after %s, want within %s", elapsed, tt.wantMax)
			}
			if n := len(server.received()); n >= 20 {
				t.Errorf("%d attempts within a 500ms deadline", n)
			}
		})
	}
}

// resetting is a server that resets the connection of its first n requests
// after reading them, and answers the others.
func resetting(t *testing.T, n int) (*httptest.Server, func() int) {
	t.Helper()
	var mu sync.Mutex
	seen := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen++
		reset := seen <= n
		mu.Unlock()
		if !reset {
			w.WriteHeader(http.StatusOK)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // a reset, not an orderly close
		}
		_ = conn.Close()
	}))
	t.Cleanup(ts.Close)
	return ts, func() int { mu.Lock(); defer mu.Unlock(); return seen }
}

func TestRetryTransportConnectionReset(t *testing.T) {
	tests := []struct {
		method       string
		wantErr      bool
		wantAttempts int
	}{
		{http.MethodGet, false, 3},
		{http.MethodDelete, false, 3},
		// The server read the request: it may have acted on it.
		{http.MethodPost, true, 1},
		{http.MethodPut, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			ts, attempts := resetting(t, 2)
			// No connection reuse: Go's own transport retries some requests
			// on reused connections.
			base := &http.Transport{DisableKeepAlives: true}
			_, err := send(t, t.Context(), fastPolicy.Wrap(base), tt.method, ts.URL, "application/json", "{}")
			if (err != nil) != tt.wantErr || attempts() != tt.wantAttempts {
				t.Errorf("got error %v after %d attempts, want error %t after %d", err, attempts(), tt.wantErr, tt.wantAttempts)
			}
		})
	}
}

// TestRetryTransportExhausted checks that a request never answered ends, as
// client-go sees it, in an API error IsRetriesExhausted recognises, after
// MaxAttempts: a POST to a closed port is retried, as it never left.
func TestRetryTransportExhausted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens: connections are refused
	var attempts int
	counting := func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) { attempts++; return rt.RoundTrip(r) })
	}
	cfg := &rest.Config{Host: "http://" + addr}
	cfg.Wrap(counting)
	cfg.Wrap(fastPolicy.Wrap)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}}
	_, err = client.CoreV1().Secrets("default").Create(t.Context(), secret, metav1.CreateOptions{})
	if !kube.IsRetriesExhausted(err) {
		t.Fatalf("create through a closed port: got %v, want an error IsRetriesExhausted recognises", err)
	}
	if attempts != fastPolicy.MaxAttempts {
		t.Errorf("%d attempts, want %d", attempts, fastPolicy.MaxAttempts)
	}
	if !strings.Contains(err.Error(), "no answer from the API server after 4 attempts") {
		t.Errorf("error %q does not say it gave up", err)
	}
	if kube.IsRetriesExhausted(errors.New("other")) {
		t.Error("IsRetriesExhausted(other error) = true")
	}
}

// TestRetryTransportPermanentErrors checks that errors that do not go away
// on their own are returned at once: a server whose certificate is not
// trusted is asked once.
func TestRetryTransportPermanentErrors(t *testing.T) {
	server := &scripted{statuses: []int{200}}
	ts := httptest.NewTLSServer(server)
	defer ts.Close()
	var attempts int
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) { attempts++; return http.DefaultTransport.RoundTrip(r) })
	start := time.Now()
	_, err := send(t, t.Context(), fastPolicy.Wrap(rt), http.MethodGet, ts.URL, "", "")
	if err == nil || attempts != 1 || time.Since(start) > time.Second {
		t.Errorf("GET with an untrusted certificate: error %v after %d attempts; want an error after 1", err, attempts)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	p := kube.RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		for range 20 {
			if got := p.Backoff(attempt); got < want/2 || got > want {
				t.Fatalf("Backoff(%d) = %s, want between %s and %s", attempt, got, want/2, want)
			}
		}
	}
}

// cutting is a server whose first n answers end in the middle of their
// body, as when the API server is killed while it sends them; the others
// are whole.
func cutting(t *testing.T, n int) (*httptest.Server, func() int) {
	t.Helper()
	const body = `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"web"}}`
	var mu sync.Mutex
	seen := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen++
		cut := seen <= n
		mu.Unlock()
		if !cut {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n" + body[:20])
		_ = buf.Flush()
		_ = conn.Close()
	}))
	t.Cleanup(ts.Close)
	return ts, func() int { mu.Lock(); defer mu.Unlock(); return seen }
}

// TestRetryTransportCutBody checks that a server-side apply whose answer is
// cut off in its body is sent again and returns the whole answer, and
// that a read (which streams) or an unsafe write is not read ahead.
func TestRetryTransportCutBody(t *testing.T) {
	for _, tc := range []struct {
		method, contentType string
		wantAttempts        int
		wantWhole           bool
	}{
		{http.MethodPatch, "application/apply-patch+yaml", 3, true},
		{http.MethodDelete, "", 3, true},
		{http.MethodGet, "", 1, false},
		{http.MethodPost, "application/json", 1, false},
	} {
		t.Run(tc.method, func(t *testing.T) {
			ts, attempts := cutting(t, 2)
			base := &http.Transport{DisableKeepAlives: true}
			req, err := http.NewRequestWithContext(t.Context(), tc.method, ts.URL, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := fastPolicy.Wrap(base).RoundTrip(req)
			if err != nil {
				t.Fatalf("%s: %v", tc.method, err)
			}
			body, readErr := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if got := attempts(); got != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", got, tc.wantAttempts)
			}
			if whole := readErr == nil && strings.HasSuffix(string(body), "}}"); whole != tc.wantWhole {
				t.Errorf("answer whole %t (%q, %v), want %t", whole, body, readErr, tc.wantWhole)
			}
		})
	}
}
