package httpretry

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"
)

func TestTransientError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&url.Error{Op: "Get", URL: "https://x", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{io.ErrUnexpectedEOF, true},
		{errors.New("http2: server sent GOAWAY and closed the connection"), true},
		{errors.New("http2: client connection lost"), true},
		{errors.New("net/http: server closed idle connection"), true},
		{&url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}, false},
		{errors.New("no such host"), false},
	} {
		if got := TransientError(tc.err); got != tc.want {
			t.Errorf("TransientError(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"-4", 0},
		{"120", 30 * time.Second},
		{"soon", 0},
	} {
		resp := &http.Response{Header: http.Header{}}
		if tc.header != "" {
			resp.Header.Set("Retry-After", tc.header)
		}
		if got := RetryAfter(resp, 30*time.Second); got != tc.want {
			t.Errorf("Retry-After %q: %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, maxDelay := 100*time.Millisecond, time.Second
	for attempt, full := range map[int]time.Duration{1: base, 2: 2 * base, 4: 8 * base, 5: maxDelay, 40: maxDelay} {
		for range 20 {
			if d := Backoff(base, maxDelay, attempt); d < full/2 || d > full {
				t.Fatalf("Backoff after attempt %d = %s, want within [%s, %s]", attempt, d, full/2, full)
			}
		}
	}
}
