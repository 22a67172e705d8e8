//go:build unix

package main

import (
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// lockTimeout bounds how long up or down waits for another up or down.
const lockTimeout = 3 * time.Minute

// locked runs fn holding an exclusive flock on the repository root
// directory, so that two runs of up or down never start or stop the same
// cluster at once.
func (c *cluster) locked(fn func() error) error {
	unlock, err := localproc.Lock(c.root, "hack/cluster.sh", lockTimeout, func() {
		c.logf("waiting for another hack/cluster.sh up or down to finish")
	})
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}
