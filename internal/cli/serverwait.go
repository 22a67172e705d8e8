package cli

import (
	"context"
	"time"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
)

// awaitServer returns ctx under which the requests of an operation on a
// release (install, upgrade, rollback, uninstall and their diffs) wait for
// an API server that gives no answer for up to the operation's --timeout
// (kube.WithServerWait) instead of failing after the retry policy's
// attempts: a server restarting in the middle of an apply or a wait is
// waited for, one that stays away fails the operation at the timeout.
func awaitServer(ctx context.Context, timeout time.Duration) context.Context {
	if timeout <= 0 {
		timeout = action.DefaultWaitTimeout
	}
	return kube.WithServerWait(ctx, timeout)
}
