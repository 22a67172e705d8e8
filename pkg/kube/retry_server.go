package kube

import (
	"context"
	"net/http"
	"time"
)

// serverWaitKey is the context key of WithServerWait's deadline.
type serverWaitKey struct{}

// WithServerWait returns a context under which a request that gets no
// answer from the API server (it refuses or drops connections, or answers
// 502, 503 or 504, as a restarting server or a proxy in front of one does)
// is retried with the policy's backoff until d from now has passed, however
// many attempts that takes, instead of giving up after MaxAttempts. The
// operations that change a release give it their --timeout, so that an API
// server that restarts in the middle of an apply or a wait is waited for
// and the operation finishes. Answers that say no (4xx, a 500) are not
// affected, nor is a request's own context deadline, which still ends it.
func WithServerWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, serverWaitKey{}, time.Now().Add(d))
}

// serverWaitDeadline returns the deadline WithServerWait set on ctx.
func serverWaitDeadline(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(serverWaitKey{}).(time.Time)
	return t, ok
}

// awaitingServer reports whether a request whose attempts are used up is
// still to be tried again after delay: the server gave no answer (see
// WithServerWait) and the request's server wait lasts past delay.
func awaitingServer(ctx context.Context, resp *http.Response, err error, delay time.Duration) bool {
	deadline, ok := serverWaitDeadline(ctx)
	if !ok || !time.Now().Add(delay).Before(deadline) {
		return false
	}
	if resp == nil {
		return err != nil && transientError(err)
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
