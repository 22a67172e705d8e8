//go:build unix

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/berth-sh/berth/hack/internal/toolmain"
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
	return toolmain.Tool[*registry]{
		Name:  "registry",
		Usage: usage,
		New:   newRegistry,
		Commands: map[string]func(context.Context, *registry) error{
			"up": func(ctx context.Context, r *registry) error {
				return locked(r.lockDir, stderr, func() error { return r.up(ctx, stdout) })
			},
			"down": func(_ context.Context, r *registry) error {
				return locked(r.lockDir, stderr, func() error { return r.down(stdout) })
			},
			"status": func(ctx context.Context, r *registry) error { return r.status(ctx, stdout) },
		},
		Reported: errUnhealthy,
	}.Run(args, stderr)
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
