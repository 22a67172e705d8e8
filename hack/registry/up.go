//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
	"github.com/berth-sh/berth/hack/internal/testpki"
)

// startTimeout bounds the wait for the registry's first 401 on /v2/.
const startTimeout = 30 * time.Second

// up starts the registry unless the recorded one still answers.
func (r *registry) up(ctx context.Context, stdout io.Writer) error {
	if s, err := r.check(ctx); err == nil {
		fmt.Fprintf(stdout, "%s already up at %s (env in %s)\n", r.name, s.Addr, r.envFile())
		return nil
	}
	if _, err := os.Stat(r.binary); err != nil {
		return fmt.Errorf("registry binary: %w (hack/registry.sh up installs Debian's docker-registry package)", err)
	}
	// Leftovers of a registry that died or was killed: start from scratch.
	if err := r.down(io.Discard); err != nil {
		return err
	}
	s, err := r.prepare(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	pid, err := r.start()
	if err != nil {
		return err
	}
	if err := r.waitReady(ctx, s, pid); err != nil {
		_ = localproc.Stop(pid, r.processName(), 5*time.Second)
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, r.logFile(), tail(r.logFile(), 20))
	}
	env, err := envFileData(r.envPrefix, s)
	if err == nil {
		err = testpki.WriteFiles([]testpki.File{{Path: r.envFile(), Data: env}})
	}
	if err != nil {
		_ = localproc.Stop(pid, r.processName(), 5*time.Second)
		return err
	}
	fmt.Fprintf(stdout, "%s up at https://%s in %s (PID %d, user %s, CA %s, env in %s)\n",
		r.name, s.Addr, time.Since(start).Round(time.Millisecond), pid, s.User, s.TLS.CA, r.envFile())
	return nil
}

// prepare chooses a port and credentials and writes the certificates, the
// htpasswd file and config.yml.
func (r *registry) prepare(ctx context.Context) (settings, error) {
	addr, err := freeAddr(ctx)
	if err != nil {
		return settings{}, err
	}
	password, err := randomHex(16)
	if err != nil {
		return settings{}, err
	}
	secret, err := randomHex(32)
	if err != nil {
		return settings{}, err
	}
	s := settings{
		Addr: addr, User: testUser, Password: password, Secret: secret,
		TLS:      newTLSFiles(r.path("pki")),
		Htpasswd: r.path("htpasswd"),
		Storage:  r.path("data"),
	}
	if err := os.MkdirAll(s.Storage, 0o700); err != nil {
		return settings{}, err
	}
	if err := writePKI(s.TLS); err != nil {
		return settings{}, err
	}
	htpasswd, err := htpasswdLine(s.User, s.Password)
	if err != nil {
		return settings{}, err
	}
	config, err := configYAML(s)
	if err != nil {
		return settings{}, err
	}
	return s, testpki.WriteFiles([]testpki.File{{Path: s.Htpasswd, Data: htpasswd}, {Path: r.path("config.yml"), Data: config}})
}

// start runs `docker-registry serve config.yml` in its own session, so that
// it outlives up, with output to registry.log, and records its PID.
func (r *registry) start() (int, error) {
	p, err := localproc.Start(localproc.Spec{
		Name:    "registry",
		Path:    r.binary,
		Args:    []string{"serve", r.path("config.yml")},
		Dir:     r.dir,
		LogFile: r.logFile(),
		PIDFile: r.pidFile(),
	})
	if err != nil {
		return 0, err
	}
	return p.PID, nil
}

// waitReady polls /v2/ until it asks for credentials, failing early when
// the process exits.
func (r *registry) waitReady(ctx context.Context, s settings, pid int) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var last error
	for {
		if !localproc.Running(pid, r.processName()) {
			return fmt.Errorf("registry (PID %d) exited during start-up", pid)
		}
		if last = probe(ctx, s.Addr, s.TLS.CA); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("registry at %s not ready after %s: %w", s.Addr, startTimeout, errors.Join(last, ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// processName is the kernel's name of the registry process (at most 15 bytes).
func (r *registry) processName() string {
	return localproc.CommName(filepath.Base(r.binary))
}
