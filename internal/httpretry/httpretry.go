// Package httpretry holds what berth's two retrying HTTP transports, the
// Kubernetes API's (pkg/kube) and the registries' (pkg/oci), share: capped
// exponential backoff with jitter, the outcomes worth another attempt,
// Retry-After, fresh request bodies and knowing whether an unsafe request's
// headers went out. Each transport keeps its own rule of which requests are
// idempotent and of how it gives up.
package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Backoff is how long to wait after failed attempt number attempt (1 for
// the first): base doubled per attempt, capped at maxDelay, with "equal
// jitter" (half fixed, half random) so that clients failing together do
// not retry together.
func Backoff(base, maxDelay time.Duration, attempt int) time.Duration {
	d := maxDelay
	if shift := attempt - 1; shift < 30 && base<<max(shift, 0) < maxDelay {
		d = base << max(shift, 0)
	}
	half := d / 2
	return half + rand.N(half+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// PrepareAttempt returns the request to send for one attempt: req itself
// the first time, a copy with a fresh body after. Requests that may not be
// retried once sent (safe false) report in sent whether their headers went
// out.
func PrepareAttempt(req *http.Request, attempt int, safe bool) (sent *atomic.Bool, out *http.Request, err error) {
	sent = &atomic.Bool{}
	out = req
	if attempt > 1 {
		out = req.Clone(req.Context())
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: reset request body for attempt %d: %w", req.Method, req.URL.Redacted(), attempt, err)
			}
			out.Body = body
		}
	}
	if !safe {
		trace := &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}
		out = out.WithContext(httptrace.WithClientTrace(out.Context(), trace))
	}
	return sent, out, nil
}

// Retryable decides whether an attempt's outcome is worth another, and how
// long the server asked to wait (Retry-After, capped at maxRetryAfter).
// Any request is tried again after a 429, which servers send before acting
// on a request, and after a failed connection that never sent its headers;
// safe ones also after a 500, 502, 503 or 504 and any transient error.
func Retryable(req *http.Request, safe, sent bool, resp *http.Response, err error, maxRetryAfter time.Duration) (time.Duration, bool) {
	if req.Context().Err() != nil {
		return 0, false
	}
	if err != nil {
		// Unsafe requests only when the server never saw them.
		return 0, TransientError(err) && (safe || !sent)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return RetryAfter(resp, maxRetryAfter), true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return RetryAfter(resp, maxRetryAfter), safe
	}
	return 0, false
}

// TransientError reports whether a request error may go away on its own:
// a connection refused (a server restarting), reset or closed, or a
// timeout. Certificate, DNS and protocol errors do not: retrying them
// would only delay the message.
func TransientError(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &netErr) && netErr.Timeout():
		return true
	}
	return utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err) ||
		strings.Contains(err.Error(), "server closed idle connection")
}

// RetryAfter reads the Retry-After header, in seconds or as a date, capped
// at limit; 0 when absent or unreadable.
func RetryAfter(resp *http.Response, limit time.Duration) time.Duration {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(max(secs, 0)) * time.Second
	} else if when, err := http.ParseTime(v); err == nil {
		d = time.Until(when)
	}
	return min(max(d, 0), limit)
}

// Sleep waits d; it reports false without waiting when ctx ends before d
// passes (the next attempt could not finish in time anyway), and false as
// soon as ctx ends.
func Sleep(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// Drain reads what is left of a response body discarded for a retry, so
// that its connection is reused, and closes it.
func Drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
