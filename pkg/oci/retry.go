package oci

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/berth-sh/berth/internal/httpretry"
)

// RetryPolicy says which failed registry requests are sent again and how
// long to wait between attempts. It is the API client's policy
// (pkg/kube.DefaultRetryPolicy, docs/architecture.md) applied to the
// distribution API: the same attempts and backoff, with the registry's own
// rule of which requests are idempotent.
//
// Safe requests are retried after a 429, a 500, 502, 503 or 504, a lost
// connection or a timeout: GET, HEAD, a DELETE (an answer of 404 to a
// retried DELETE means an earlier attempt landed, and is reported as the
// success it was), a manifest PUT (content-addressed: putting the same
// bytes twice stores them once, and a tag put twice points where it
// pointed) and the POST that opens a blob upload (an unused upload session
// is harmless). Other requests, the PUT and PATCH that send a blob into an
// upload session, are retried only when the registry cannot have acted on
// them: after a 429 or when the connection failed before their headers
// were written. A blob upload that fails after that is retried whole, in a
// new session, by the operation (see pushBlobRetrying).
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

// DefaultRetryPolicy is the policy of every registry client berth builds:
// 8 attempts, backoff from 200ms doubling up to 5s, Retry-After honoured up
// to 30s, as for the Kubernetes API.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:   8,
	BaseDelay:     200 * time.Millisecond,
	MaxDelay:      5 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// Wrap returns a RoundTripper that sends requests through rt, retrying them
// as the policy says.
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
// the first): BaseDelay doubled per attempt, capped at MaxDelay, half of
// it fixed and half random, so that clients failing together do not retry
// together.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	p = p.withDefaults()
	return httpretry.Backoff(p.BaseDelay, p.MaxDelay, attempt)
}

type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
}

// RoundTrip sends req, again after retryable failures, and returns the
// last response or error.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	safe := idempotentRegistryRequest(req)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return t.next.RoundTrip(req) // the body cannot be sent twice
	}
	mayHaveLanded := false
	for attempt := 1; ; attempt++ {
		sent, attemptReq, err := httpretry.PrepareAttempt(req, attempt, safe)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(attemptReq)
		if mayHaveLanded && req.Method == http.MethodDelete && err == nil && resp.StatusCode == http.StatusNotFound {
			// An earlier attempt deleted it; its answer was lost.
			httpretry.Drain(resp.Body)
			return deleted(req), nil
		}
		wait, retry := httpretry.Retryable(req, safe, sent.Load(), resp, err, t.policy.MaxRetryAfter)
		if !retry {
			return resp, err
		}
		if attempt >= t.policy.MaxAttempts || !httpretry.Sleep(req.Context(), max(wait, t.policy.Backoff(attempt))) {
			return giveUp(req, attempt, resp, err)
		}
		mayHaveLanded = mayHaveLanded || err != nil || resp.StatusCode >= 500
		if resp != nil {
			httpretry.Drain(resp.Body)
		}
	}
}

// idempotentRegistryRequest reports whether sending req twice does no more
// than sending it once (see RetryPolicy).
func idempotentRegistryRequest(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodDelete:
		return true
	case http.MethodPut:
		return strings.Contains(req.URL.Path, "/manifests/")
	case http.MethodPost:
		// Opening an upload session, unless it is a cross-repository
		// mount or a monolithic upload, which carry a digest.
		return strings.HasSuffix(req.URL.Path, "/blobs/uploads/") && req.URL.Query().Get("digest") == "" &&
			req.URL.Query().Get("mount") == ""
	}
	return false
}

// ErrRetriesExhausted marks a registry request that got no answer on any
// attempt: trying it again at once is pointless.
var ErrRetriesExhausted = errors.New("no answer from the registry")

// giveUp returns the last outcome of a request not retried any more.
func giveUp(req *http.Request, attempts int, resp *http.Response, err error) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	if req.Context().Err() != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%s %s: %w after %d attempts: %w", req.Method, req.URL.Redacted(), ErrRetriesExhausted, attempts, err)
}

// deleted is the answer to a DELETE whose earlier attempt landed.
func deleted(req *http.Request) *http.Response {
	return &http.Response{
		Status: "202 Accepted", StatusCode: http.StatusAccepted,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(nil)), Request: req,
	}
}
