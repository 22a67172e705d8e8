//go:build unix

package main

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// apiServerComponent is the component kill-apiserver and start-apiserver
// act on, for the endurance tests (test/endurance) and by hand.
const apiServerComponent = "kube-apiserver"

// killAPIServer kills the API server with SIGKILL, as a crash would, and
// waits for it to be gone; the rest of the cluster keeps running.
func (c *cluster) killAPIServer() error {
	pid := c.readPID(apiServerComponent)
	if !localproc.Running(pid, apiServerComponent) {
		return fmt.Errorf("%s is not running (PID file %s)", apiServerComponent, c.rel(c.pidFile(apiServerComponent)))
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s (PID %d): %w", apiServerComponent, pid, err)
	}
	// Stop returns once the process is gone (it is, or soon will be).
	if err := localproc.Stop(pid, apiServerComponent, 10*time.Second); err != nil {
		return err
	}
	c.logf("killed %s (PID %d)", apiServerComponent, pid)
	return nil
}

// startAPIServer starts the API server again with the arguments and port
// up gave it, and waits until it is ready.
func (c *cluster) startAPIServer(ctx context.Context) error {
	if pid := c.readPID(apiServerComponent); localproc.Running(pid, apiServerComponent) {
		return fmt.Errorf("%s is running already (PID %d)", apiServerComponent, pid)
	}
	s, err := c.readState()
	if err != nil {
		return fmt.Errorf("read the cluster's state (is it up?): %w", err)
	}
	var comp component
	for _, cp := range components(c.layout, c.bin, s) {
		if cp.name == apiServerComponent {
			comp = cp
		}
	}
	client, err := c.client()
	if err != nil {
		return err
	}
	return c.startAndWait(ctx, comp, apiServerTimeout, func(ctx context.Context) error { return apiServerReady(ctx, client) })
}
