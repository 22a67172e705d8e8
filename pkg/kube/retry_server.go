package kube

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/berth-sh/berth/internal/httpretry"
)

// serverWaitKey is the context key of WithServerWait's serverWait.
type serverWaitKey struct{}

// serverWait is the server wait of one operation: its deadline, and whether
// a request gave up for want of an answer at it.
type serverWait struct {
	deadline time.Time
	// over is set once a request got no answer until the deadline: the
	// operation waited for the server as long as it may, so its later
	// requests are sent once and not retried (the failure is recorded,
	// the lock released, without waiting again for each).
	over atomic.Bool
}

// WithServerWait returns a context under which a request that gets no
// answer from the API server (it refuses or drops connections, or answers
// 502, 503 or 504, as a restarting server or a proxy in front of one does)
// is retried with the policy's backoff until d from now has passed, however
// many attempts that takes, instead of giving up after MaxAttempts. The
// operations that change a release give it their --timeout, so that an API
// server that restarts in the middle of an apply or a wait is waited for
// and the operation finishes. Answers that say no (4xx, a 500) are not
// affected, nor is a request's own context deadline, which still ends it.
// Once a request has got no answer until the deadline, the other requests
// under ctx are sent once, without retries: the server had its time.
func WithServerWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, serverWaitKey{}, &serverWait{deadline: time.Now().Add(d)})
}

// serverWaitOf returns the serverWait of ctx, nil without one.
func serverWaitOf(ctx context.Context) *serverWait {
	sw, _ := ctx.Value(serverWaitKey{}).(*serverWait)
	return sw
}

// maxAttempts is the policy's MaxAttempts, or 1 once the server wait of
// ctx is over.
func maxAttempts(ctx context.Context, p RetryPolicy) int {
	if sw := serverWaitOf(ctx); sw != nil && sw.over.Load() {
		return 1
	}
	return p.MaxAttempts
}

// awaitingServer reports whether a request whose attempts are used up is
// still to be tried again, and after how long: the server gave no answer
// (see WithServerWait) and the request's server wait is not over. The
// wait before the next attempt is delay, cut short at the wait's deadline
// so that the last attempt is made then and the operation fails at its
// timeout, not a backoff before it. A request that got no answer until
// the deadline ends the wait for the other requests under ctx.
func awaitingServer(ctx context.Context, resp *http.Response, err error, delay time.Duration) (time.Duration, bool) {
	sw := serverWaitOf(ctx)
	if sw == nil || sw.over.Load() || !noAnswer(resp, err) {
		return 0, false // once over, the wait is over for every request
	}
	left := time.Until(sw.deadline)
	if left <= 0 {
		sw.over.Store(true)
		return 0, false
	}
	return min(delay, left), true
}

// endServerWaitAt ends ctx's server wait when its deadline is within d: a
// request that could not wait d (its context ends first) was making the
// wait's last attempt. A request whose own deadline is nearer leaves the
// wait to the others.
func endServerWaitAt(ctx context.Context, d time.Duration) {
	if sw := serverWaitOf(ctx); sw != nil && time.Until(sw.deadline) <= d {
		sw.over.Store(true)
	}
}

// serverWaitOver reports whether ctx's server wait ended without an answer.
func serverWaitOver(ctx context.Context) bool {
	sw := serverWaitOf(ctx)
	return sw != nil && sw.over.Load()
}

// noAnswer reports whether an attempt's outcome says the API server is
// not there (see WithServerWait), rather than that it refused.
func noAnswer(resp *http.Response, err error) bool {
	if resp == nil {
		return err != nil && httpretry.TransientError(err)
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
