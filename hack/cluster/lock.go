//go:build unix

package main

import (
	"path/filepath"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// lockTimeout bounds how long up or down waits for another up or down.
const lockTimeout = 3 * time.Minute

// locked runs fn holding an exclusive flock on the directory of the state
// directory (the repository root for .cluster/), so that two runs of up or
// down never start or stop the same cluster at once.
func (c *cluster) locked(fn func() error) error {
	unlock, err := localproc.Lock(filepath.Dir(c.dir), "hack/cluster.sh", lockTimeout, func() {
		c.logf("waiting for another hack/cluster.sh up or down to finish")
	})
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}
