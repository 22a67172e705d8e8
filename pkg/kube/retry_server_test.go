package kube_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/kube"
)

// absentFor is a transport standing for an API server that gives no answer
// to the first n requests (it refuses the connection, or answers status
// when that is not refused), then answers 200; attempts counts them.
type absentFor struct {
	n        int64
	status   int
	attempts atomic.Int64
}

// refused stands for a connection refused in absentFor.status.
const refused = 0

func (a *absentFor) RoundTrip(r *http.Request) (*http.Response, error) {
	status := http.StatusOK
	if a.attempts.Add(1) <= a.n {
		status = a.status
	}
	if status == refused {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

// TestServerWait checks that under WithServerWait a request whose server
// gives no answer is retried past MaxAttempts until the server answers,
// and that answers which say no, and requests without a server wait, keep
// the policy's attempts.
func TestServerWait(t *testing.T) {
	tests := []struct {
		name         string
		wait         time.Duration // 0: no WithServerWait
		absent       int64
		fail         int
		wantStatus   int
		wantAttempts int64
	}{
		{"refused, no server wait: the policy's attempts", 0, 30, refused, http.StatusServiceUnavailable, 4},
		{"refused 30 times, waited for", time.Minute, 30, refused, http.StatusOK, 31},
		{"503 30 times, waited for", time.Minute, 30, http.StatusServiceUnavailable, http.StatusOK, 31},
		{"502 and 504 count as no answer", time.Minute, 12, http.StatusGatewayTimeout, http.StatusOK, 13},
		{"a 500 is an answer: the policy's attempts", time.Minute, 30, http.StatusInternalServerError, http.StatusInternalServerError, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := &absentFor{n: tt.absent, status: tt.fail}
			ctx := t.Context()
			if tt.wait > 0 {
				ctx = kube.WithServerWait(ctx, tt.wait)
			}
			resp, err := send(t, ctx, fastPolicy.Wrap(server), http.MethodGet, "http://api.invalid/api/v1/pods", "", "")
			if err != nil {
				t.Fatal(err)
			}
			got := struct{ Status, Attempts int64 }{int64(resp.status), server.attempts.Load()}
			want := struct{ Status, Attempts int64 }{int64(tt.wantStatus), tt.wantAttempts}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status and attempts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServerWaitEnds checks that a server that stays away is given up on
// once the server wait is over, with the message that says so.
func TestServerWaitEnds(t *testing.T) {
	server := &absentFor{n: 1 << 40, status: refused}
	policy := kube.RetryPolicy{MaxAttempts: 2, BaseDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
	ctx := kube.WithServerWait(t.Context(), 300*time.Millisecond)
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.invalid/api/v1/pods", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := policy.Wrap(server).RoundTrip(req)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "no answer from the API server after") {
		t.Errorf("got %d %s, want the 503 that says no answer came", resp.StatusCode, body)
	}
	if n := server.attempts.Load(); n <= 2 {
		t.Errorf("%d attempts: the server wait did not retry past MaxAttempts", n)
	}
	// It stops at the end of the wait: the last attempt is made then.
	if elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("gave up after %s, want at the end of the 300ms server wait", elapsed)
	}
	// The operation waited its time: its next requests are sent once.
	again := &absentFor{n: 1 << 40, status: refused}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, "http://api.invalid/api/v1/pods", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = policy.Wrap(again).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if n := again.attempts.Load(); n != 1 {
		t.Errorf("a request after the server wait ended: %d attempts, want 1", n)
	}
	if !strings.Contains(string(body), "within the operation's timeout") {
		t.Errorf("message %s does not say the server gave no answer within the timeout", body)
	}
}

// TestServerWaitKeepsContextDeadline checks that a request's own deadline
// still ends it within a longer server wait.
func TestServerWaitKeepsContextDeadline(t *testing.T) {
	server := &absentFor{n: 1 << 40, status: refused}
	ctx, cancel := context.WithTimeout(kube.WithServerWait(t.Context(), time.Hour), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _ = send(t, ctx, fastPolicy.Wrap(server), http.MethodGet, "http://api.invalid/", "", "")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %s, want within the request's 200ms deadline", elapsed)
	}
}
