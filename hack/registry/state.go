//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// check reports the running registry's settings, or why it is not usable:
// its env file, its recorded process and its /v2/ endpoint must all be there.
func (r *registry) check(ctx context.Context) (settings, error) {
	env, err := readEnvFile(r.envFile())
	if err != nil {
		return settings{}, fmt.Errorf("read connection details: %w", err)
	}
	pre := r.envPrefix
	s := settings{Addr: env[pre], User: env[pre+envUser], Password: env[pre+envPassword], TLS: tlsFiles{CA: env[pre+envCA]}}
	pid := localproc.ReadPID(r.pidFile())
	if !localproc.Running(pid, r.processName()) {
		return s, fmt.Errorf("no %s process with the PID recorded in %s", r.processName(), r.pidFile())
	}
	if err := probe(ctx, s.Addr, s.TLS.CA); err != nil {
		return s, fmt.Errorf("registry at %s (PID %d): %w", s.Addr, pid, err)
	}
	return s, nil
}

// status prints whether the registry is usable; errUnhealthy when not.
func (r *registry) status(ctx context.Context, stdout io.Writer) error {
	s, err := r.check(ctx)
	if err != nil {
		fmt.Fprintf(stdout, "%s: down: %v\n", r.name, err)
		return errUnhealthy
	}
	fmt.Fprintf(stdout, "%s: up at https://%s (PID %d, user %s, CA %s)\n", r.name, s.Addr, localproc.ReadPID(r.pidFile()), s.User, s.TLS.CA)
	return nil
}

// down stops the recorded registry process, only that one, and deletes
// .registry/.
func (r *registry) down(stdout io.Writer) error {
	pid := localproc.ReadPID(r.pidFile())
	if localproc.Running(pid, r.processName()) {
		if err := localproc.Stop(pid, r.processName(), 10*time.Second); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "stopped %s (PID %d)\n", r.name, pid)
	}
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("remove %s: %w", r.dir, err)
	}
	return nil
}
