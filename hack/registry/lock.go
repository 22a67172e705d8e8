//go:build unix

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// lockTimeout bounds how long up or down waits for another up or down.
const lockTimeout = time.Minute

// locked runs fn holding an exclusive flock on lockDir (hack/registry, which
// always exists, unlike .registry/), so that two runs of up or down never
// start or stop the registry at once. Waiting is reported on log.
func locked(lockDir string, log io.Writer, fn func() error) error {
	unlock, err := localproc.Lock(lockDir, "hack/registry.sh", lockTimeout, func() {
		fmt.Fprintln(log, "registry: waiting for another hack/registry.sh up or down to finish")
	})
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}
