package release

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/berth-sh/berth/pkg/kube"
)

// writeAttempts bounds how often a record or lock write is sent after
// failures it may or may not have survived.
const writeAttempts = 6

// writeBackoff is how long to wait after failed write attempt n; a
// variable so that tests can shorten it.
var writeBackoff = kube.DefaultRetryPolicy.Backoff

// retryWrite sends a create or update, and sends it again after a failure
// the write may have survived: a 5xx or a connection lost once the request
// was sent (the retrying transport does not resend those, as POST and PUT
// are not idempotent). A later attempt that finds the object already
// exists (create) or changed (update) asks landed whether the object holds
// what we wrote: then an earlier attempt succeeded and its answer was lost,
// and the write is done. Otherwise the error stands, so a retried write
// never overwrites someone else's.
func retryWrite[T any](ctx context.Context, write func() (T, error), landed func() (T, bool)) (T, error) {
	retried := false
	for attempt := 1; ; attempt++ {
		out, err := write()
		if err == nil {
			return out, nil
		}
		if retried && (apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err)) {
			if current, ok := landed(); ok {
				return current, nil
			}
			return out, err
		}
		if attempt >= writeAttempts || !retriableWrite(ctx, err) || !sleep(ctx, writeBackoff(attempt)) {
			return out, err
		}
		retried = true
	}
}

// retriableWrite reports whether a write that failed with err may be sent
// again: the server failed or the connection was lost, and no layer below
// has retried it already.
func retriableWrite(ctx context.Context, err error) bool {
	if ctx.Err() != nil || kube.IsRetriesExhausted(err) {
		return false
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		switch status.Status().Code {
		case 500, 502, 503, 504:
			return true
		}
		return false
	}
	return utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || utilnet.IsTimeout(err)
}

// sleep waits d unless ctx ends first; it reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// createObject creates rec's object, idempotently (see retryWrite).
func (s *KubeStore) createObject(ctx context.Context, rec *record) (*record, error) {
	return retryWrite(ctx,
		func() (*record, error) { return s.objects.create(ctx, rec) },
		func() (*record, bool) { return s.holds(ctx, rec) })
}

// updateObject replaces rec's object if it still has
// rec.meta.ResourceVersion, idempotently (see retryWrite).
func (s *KubeStore) updateObject(ctx context.Context, rec *record) (*record, error) {
	return retryWrite(ctx,
		func() (*record, error) { return s.objects.update(ctx, rec) },
		func() (*record, bool) { return s.holds(ctx, rec) })
}

// holds reads rec's object and reports whether it holds rec's labels,
// annotations and payload.
func (s *KubeStore) holds(ctx context.Context, rec *record) (*record, bool) {
	current, err := s.objects.get(ctx, rec.meta.Name)
	if err != nil {
		return nil, false
	}
	same := maps.Equal(current.meta.Labels, rec.meta.Labels) &&
		maps.Equal(current.meta.Annotations, rec.meta.Annotations) &&
		bytes.Equal(current.payload, rec.payload)
	return current, same
}
