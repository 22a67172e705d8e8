//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

const usage = `usage: cluster up|down|status

  up      start the local cluster (etcd, kube-apiserver, controller-manager,
          scheduler, kwok and one fake node), or say it is already up
  down    stop the processes up started and delete .cluster/
  status  show each component and whether it is healthy (exit 1 if not)
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	commands := map[string]func(*cluster) error{
		"up":     func(c *cluster) error { return c.locked(func() error { return c.up(ctx, stdout) }) },
		"down":   func(c *cluster) error { return c.locked(c.down) },
		"status": func(c *cluster) error { return c.status(ctx, stdout) },
	}
	command, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cluster: unknown command %q\n%s", args[0], usage)
		return 2
	}
	c, err := newCluster(stderr)
	if err == nil {
		err = command(c)
	}
	if errors.Is(err, errUnhealthy) {
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "cluster: %v\n", err)
		return 1
	}
	return 0
}

// newCluster finds the repository and the binaries.
func newCluster(log io.Writer) (*cluster, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := repo.Root(wd)
	if err != nil {
		return nil, err
	}
	bin, err := repo.BinDir()
	if err != nil {
		return nil, err
	}
	return &cluster{layout: newLayout(root), bin: bin, log: log}, nil
}
