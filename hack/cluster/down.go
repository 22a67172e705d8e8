//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// down stops the recorded processes, newest first, each with its process
// group, waits for them to exit and deletes the state directory.
func (c *cluster) down() error {
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		c.logf("not running (no %s)", c.rel(c.dir))
		return nil
	}
	var errs []error
	for _, name := range slices.Backward(componentNames()) {
		pid := c.readPID(name)
		if !localproc.Running(pid, name) {
			continue
		}
		if err := localproc.Stop(pid, name, 15*time.Second); err != nil {
			errs = append(errs, fmt.Errorf("stop %w; log: %s", err, c.rel(c.logFile(name))))
			continue
		}
		c.logf("stopped %s (PID %d)", name, pid)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\n(kept %s)", err, c.rel(c.dir))
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("remove %s: %w", c.rel(c.dir), err)
	}
	c.logf("removed %s", c.rel(c.dir))
	return nil
}
