//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

const usage = `usage: registry up|down|status

  up      start the local registry (HTTPS, htpasswd) and write .registry/env,
          or say it is already up
  down    stop the registry up started and delete .registry/
  status  show whether the registry runs and answers (exit 1 if not)
`

// defaultBinary is where Debian's docker-registry package installs the server.
const defaultBinary = "/usr/bin/docker-registry"

// envBinary overrides the registry binary (for a distribution build elsewhere).
const envBinary = "BERTH_REGISTRY_BINARY"

// errUnhealthy reports a failed status check, already described on stdout.
var errUnhealthy = errors.New("registry unhealthy")

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	commands := map[string]func(*registry) error{
		"up":     func(r *registry) error { return locked(r.lockDir, stderr, func() error { return r.up(ctx, stdout) }) },
		"down":   func(r *registry) error { return locked(r.lockDir, stderr, func() error { return r.down(stdout) }) },
		"status": func(r *registry) error { return r.status(ctx, stdout) },
	}
	command, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "registry: unknown command %q\n%s", args[0], usage)
		return 2
	}
	r, err := newRegistry()
	if err == nil {
		err = command(r)
	}
	if errors.Is(err, errUnhealthy) {
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "registry: %v\n", err)
		return 1
	}
	return 0
}

// registry is the local registry's state directory and server binary.
type registry struct {
	dir     string // .registry at the repository root
	lockDir string // hack/registry, locked by up and down
	binary  string
}

func newRegistry() (*registry, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := repo.Root(wd)
	if err != nil {
		return nil, err
	}
	binary := os.Getenv(envBinary)
	if binary == "" {
		binary = defaultBinary
	}
	return &registry{
		dir:     filepath.Join(root, ".registry"),
		lockDir: filepath.Join(root, "hack", "registry"),
		binary:  binary,
	}, nil
}

func (r *registry) path(name string) string { return filepath.Join(r.dir, name) }
func (r *registry) pidFile() string         { return r.path("registry.pid") }
func (r *registry) logFile() string         { return r.path("registry.log") }
func (r *registry) envFile() string         { return r.path("env") }
