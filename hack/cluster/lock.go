//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockTimeout bounds how long up or down waits for another up or down.
const lockTimeout = 3 * time.Minute

// lock takes an exclusive flock on the repository root directory, so that
// two runs of up or down never start or stop the same cluster at once. The
// lock goes with the process; unlock releases it earlier.
func (c *cluster) lock() (unlock func(), err error) {
	f, err := os.Open(c.root)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", c.root, err)
	}
	deadline := time.Now().Add(lockTimeout)
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s against other runs of hack/cluster.sh: %w", c.root, err)
		}
		if !waited {
			c.logf("waiting for another hack/cluster.sh up or down to finish")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// locked runs fn holding the lock.
func (c *cluster) locked(fn func() error) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}
