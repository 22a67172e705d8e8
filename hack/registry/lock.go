//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// lockTimeout bounds how long up or down waits for another up or down.
const lockTimeout = time.Minute

// locked runs fn holding an exclusive flock on lockDir (hack/registry, which
// always exists, unlike .registry/), so that two runs of up or down never
// start or stop the registry at once. Waiting is reported on log.
func locked(lockDir string, log io.Writer, fn func() error) error {
	f, err := os.Open(lockDir)
	if err != nil {
		return fmt.Errorf("lock %s: %w", lockDir, err)
	}
	defer f.Close()
	deadline := time.Now().Add(lockTimeout)
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return fmt.Errorf("lock %s against other runs of hack/registry.sh: %w", lockDir, err)
		}
		if !waited {
			fmt.Fprintln(log, "registry: waiting for another hack/registry.sh up or down to finish")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fn()
}
