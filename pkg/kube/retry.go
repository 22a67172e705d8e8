package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/httpretry"
)

// RetryPolicy says which failed API requests are sent again and how long to
// wait between attempts: capped exponential backoff with jitter, bounded by
// MaxAttempts (or, for a server that gives no answer, by WithServerWait's
// deadline) and by the request's context deadline.
//
// Safe requests (GET, HEAD, DELETE and server-side apply PATCHes, which
// are idempotent) are retried after a 429, a 500, 502, 503 or 504, a lost
// connection or a timeout. Other requests (POST, PUT, merge PATCH) are
// retried only when the server cannot have acted on them: after a 429
// (the API server's flow control rejects before handling) or when the
// connection failed before the request headers were written. Release
// records, the only objects berth writes that way, make their own writes
// idempotent (see pkg/release).
type RetryPolicy struct {
	// MaxAttempts bounds the attempts of one request, the first included.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt; it doubles for
	// each attempt after.
	BaseDelay time.Duration
	// MaxDelay caps one backoff.
	MaxDelay time.Duration
	// MaxRetryAfter caps the wait a Retry-After header asks for.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy of every client berth builds: 8
// attempts, backoff from 200ms doubling up to 5s (about 20s in all),
// Retry-After honoured up to 30s.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:   8,
	BaseDelay:     200 * time.Millisecond,
	MaxDelay:      5 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// WithRetries returns a copy of cfg whose transport retries failed
// requests with DefaultRetryPolicy.
func WithRetries(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(DefaultRetryPolicy.Wrap)
	return cfg
}

// Wrap returns a RoundTripper that sends requests through rt, retrying them
// as the policy says. Its signature fits rest.Config.Wrap.
func (p RetryPolicy) Wrap(rt http.RoundTripper) http.RoundTripper {
	return &retryTransport{next: rt, policy: p.withDefaults()}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts < 1 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = max(d.MaxDelay, p.BaseDelay)
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	return p
}

// Backoff is how long to wait after failed attempt number attempt (1 for
// the first): BaseDelay doubled per attempt, capped at MaxDelay, with
// "equal jitter" (half fixed, half random) so that clients failing together
// do not retry together.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	p = p.withDefaults()
	return httpretry.Backoff(p.BaseDelay, p.MaxDelay, attempt)
}

// CauseRetriesExhausted is the reason of the status cause that marks a
// request the retrying transport gave up on without ever getting an
// answer (see IsRetriesExhausted).
const CauseRetriesExhausted metav1.CauseType = "berth.sh/RetriesExhausted"

// IsRetriesExhausted reports whether err is a request the retrying
// transport gave up on: trying it again at once is pointless.
func IsRetriesExhausted(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	details := status.Status().Details
	if details == nil {
		return false
	}
	for _, c := range details.Causes {
		if c.Type == CauseRetriesExhausted {
			return true
		}
	}
	return false
}

type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
}

// RoundTrip sends req, again after retryable failures, and returns the
// last response or error.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	safe := idempotent(req)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return t.next.RoundTrip(req) // the body cannot be sent twice
	}
	began := time.Now()
	for attempt := 1; ; attempt++ {
		sent, attemptReq, err := httpretry.PrepareAttempt(req, attempt, safe)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(attemptReq)
		if err == nil && safe && readsWhole(req) {
			resp, err = readWhole(req, resp)
		}
		wait, retry := httpretry.Retryable(req, safe, sent.Load(), resp, err, t.policy.MaxRetryAfter)
		if !retry {
			return withoutRetryAfter(resp), err
		}
		delay := max(wait, t.policy.Backoff(attempt))
		awaiting := false
		if attempt >= maxAttempts(req.Context(), t.policy) {
			if delay, awaiting = awaitingServer(req.Context(), resp, err, delay); !awaiting {
				return giveUp(req, attempt, time.Since(began), resp, err)
			}
		}
		if !httpretry.Sleep(req.Context(), delay) {
			if awaiting {
				endServerWaitAt(req.Context(), delay)
			}
			return giveUp(req, attempt, time.Since(began), resp, err)
		}
		if resp != nil {
			httpretry.Drain(resp.Body)
		}
	}
}

// readsWhole reports whether the answer to req, a safe request, is read
// whole by the transport before it is returned, so that an answer cut off
// in its body (the API server killed while it sends it) is an attempt that
// failed and is retried rather than an error of the caller's: the safe
// writes (server-side apply, DELETE), whose answers are one object or a
// Status. Reads are left to stream: watches never end, lists can be large,
// and client-go's informers list again after a failed read.
func readsWhole(req *http.Request) bool {
	return req.Method != http.MethodGet && req.Method != http.MethodHead
}

// readWhole reads the body of resp, the answer to req, into memory and returns resp with it; a
// failed read closes the body and returns the error.
func readWhole(req *http.Request, resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the answer of %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// giveUp returns the last outcome of a request not retried any more. The
// Retry-After header of a 429 or 5xx is removed, or client-go would start
// retries of its own (up to 10, for any verb, a POST after a 500 too) on
// top of ours.
func giveUp(req *http.Request, attempts int, took time.Duration, resp *http.Response, err error) (*http.Response, error) {
	if resp != nil {
		return withoutRetryAfter(resp), nil
	}
	if req.Context().Err() != nil {
		return nil, err
	}
	return exhausted(req, attempts, took, err), nil
}

// withoutRetryAfter removes the Retry-After header of a 429 or 5xx
// response (see giveUp).
func withoutRetryAfter(resp *http.Response) *http.Response {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) {
		resp.Header.Del("Retry-After")
	}
	return resp
}

// exhausted is the answer to a request that got none on any attempt: a 503
// whose Status says why. An error instead would make client-go retry GETs
// that failed with a lost connection ten more times, each through all our
// attempts again.
func exhausted(req *http.Request, attempts int, took time.Duration, err error) *http.Response {
	msg := fmt.Sprintf("%s %s: no answer from the API server after %d attempts in %s: %v",
		req.Method, req.URL.Redacted(), attempts, took.Round(100*time.Millisecond), err)
	if serverWaitOver(req.Context()) {
		msg += " (it gave none within the operation's timeout)"
	}
	status := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   metav1.StatusReasonServiceUnavailable,
		Code:     http.StatusServiceUnavailable,
		Details:  &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: CauseRetriesExhausted, Message: msg}}},
	}
	body, _ := json.Marshal(status) // a Status always marshals
	return &http.Response{
		Status:        "503 Service Unavailable",
		StatusCode:    http.StatusServiceUnavailable,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// idempotent reports whether sending req twice does no more than sending
// it once.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodDelete:
		return true
	case http.MethodPatch:
		return req.Header.Get("Content-Type") == "application/apply-patch+yaml"
	}
	return false
}
