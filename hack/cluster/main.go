//go:build unix

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/berth-sh/berth/hack/internal/toolmain"
	"github.com/berth-sh/berth/internal/testenv/repo"
)

const usage = `usage: cluster up|down|status|kill-apiserver|start-apiserver

  up         start the local cluster (etcd, kube-apiserver, controller-manager,
             scheduler, kwok with three fake nodes, the volume provisioner and
             a default StorageClass), or say it is already up
  down       stop the processes up started and delete .cluster/
  status     show each component and whether it is healthy (exit 1 if not)
  kill-apiserver   kill kube-apiserver with SIGKILL, leaving the rest running
  start-apiserver  start it again on its port and wait until it is ready
  provision  (started by up) bind claims of the default StorageClass to
             hostPath volumes in .cluster/volumes, delete them with their claims

The state lives in .cluster/ at the repository root, or in $BERTH_CLUSTER_DIR
(a second cluster beside the first: endurance tests restart and stress theirs).
`

// envClusterDir names another state directory than .cluster/.
const envClusterDir = "BERTH_CLUSTER_DIR"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	return toolmain.Tool[*cluster]{
		Name:  "cluster",
		Usage: usage,
		New:   func() (*cluster, error) { return newCluster(stderr) },
		Commands: map[string]func(context.Context, *cluster) error{
			"up": func(ctx context.Context, c *cluster) error {
				return c.locked(func() error { return c.up(ctx, stdout) })
			},
			"down":      func(_ context.Context, c *cluster) error { return c.locked(c.down) },
			"status":    func(ctx context.Context, c *cluster) error { return c.status(ctx, stdout) },
			"provision": func(ctx context.Context, c *cluster) error { return c.provision(ctx) },
			"kill-apiserver": func(_ context.Context, c *cluster) error {
				return c.locked(c.killAPIServer)
			},
			"start-apiserver": func(ctx context.Context, c *cluster) error {
				return c.locked(func() error { return c.startAPIServer(ctx) })
			},
		},
		Reported: errUnhealthy,
	}.Run(args, stderr)
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
	l := newLayout(root)
	if dir := os.Getenv(envClusterDir); dir != "" {
		if l.dir, err = filepath.Abs(dir); err != nil {
			return nil, err
		}
	}
	return &cluster{layout: l, bin: bin, log: log}, nil
}
