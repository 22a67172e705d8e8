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

  up      start the two local registries (HTTPS, htpasswd), A and B, and
          write .registry/env and .registry-b/env, or say they are up
  down    stop the registries up started and delete .registry/ and
          .registry-b/
  status  show whether both registries run and answer (exit 1 if not)
`

// defaultBinary is where Debian's docker-registry package installs the server.
const defaultBinary = "/usr/bin/docker-registry"

// envBinary overrides the registry binary (for a distribution build elsewhere).
const envBinary = "BERTH_REGISTRY_BINARY"

// errUnhealthy reports a failed status check, already described on stdout.
var errUnhealthy = errors.New("registry unhealthy")

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	return toolmain.Tool[registries]{
		Name:  "registry",
		Usage: usage,
		New:   newRegistries,
		Commands: map[string]func(context.Context, registries) error{
			"up": func(ctx context.Context, rs registries) error {
				return locked(rs[0].lockDir, stderr, func() error {
					return rs.each(func(r *registry) error { return r.up(ctx, stdout) })
				})
			},
			"down": func(_ context.Context, rs registries) error {
				return locked(rs[0].lockDir, stderr, func() error {
					return rs.each(func(r *registry) error { return r.down(stdout) })
				})
			},
			"status": func(ctx context.Context, rs registries) error {
				var unhealthy error
				for _, r := range rs {
					if err := r.status(ctx, stdout); err != nil {
						unhealthy = err
					}
				}
				return unhealthy
			},
		},
		Reported: errUnhealthy,
	}.Run(args, stderr)
}

// registry is one local registry's state directory and server binary.
type registry struct {
	name    string // "registry", or "registry B" in messages
	dir     string // .registry (or .registry-b) at the repository root
	lockDir string // hack/registry, locked by up and down
	binary  string
	// envPrefix starts the names of the variables in its env file:
	// BERTH_E2E_REGISTRY for A, BERTH_E2E_REGISTRY_B for B.
	envPrefix string
}

// registries are the two local registries, A then B: copies between
// registries are tested from one to the other.
type registries []*registry

func (rs registries) each(fn func(*registry) error) error {
	for _, r := range rs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func newRegistries() (registries, error) {
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
	lockDir := filepath.Join(root, "hack", "registry")
	return registries{
		{name: "registry", dir: filepath.Join(root, ".registry"), lockDir: lockDir, binary: binary, envPrefix: envAddr},
		{name: "registry B", dir: filepath.Join(root, ".registry-b"), lockDir: lockDir, binary: binary, envPrefix: envAddr + "_B"},
	}, nil
}

func (r *registry) path(name string) string { return filepath.Join(r.dir, name) }
func (r *registry) pidFile() string         { return r.path("registry.pid") }
func (r *registry) logFile() string         { return r.path("registry.log") }
func (r *registry) envFile() string         { return r.path("env") }
