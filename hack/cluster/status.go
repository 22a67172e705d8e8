//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// errUnhealthy makes status exit 1 after printing its report.
var errUnhealthy = errors.New("cluster not healthy")

// status prints each component's PID and state, and whether the cluster
// is healthy.
func (c *cluster) status(ctx context.Context, stdout io.Writer) error {
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stdout, "Local cluster is not running (no %s). Start it with `make cluster-up` (hack/cluster.sh up).\n", c.rel(c.dir))
		return errUnhealthy
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tPID\tSTATE\tLOG")
	for _, name := range componentNames() {
		pid := c.readPID(name)
		state := "not running"
		if localproc.Running(pid, name) {
			state = "running"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", name, pid, state, c.rel(c.logFile(name)))
	}
	_ = tw.Flush()
	problems := c.check(ctx)
	if len(problems) == 0 {
		fmt.Fprintf(stdout, "\nHealthy: etcd and kube-apiserver answer, nodes %s are Ready, StorageClass %s is the default.\nexport KUBECONFIG=%s\n",
			strings.Join(nodeNames(), ", "), storageClassName, c.kubeconfig())
		return nil
	}
	fmt.Fprintln(stdout, "\nNot healthy:")
	for _, p := range problems {
		fmt.Fprintf(stdout, "  - %s\n", p)
	}
	return errUnhealthy
}

// check returns what is wrong with the recorded cluster; nothing when every
// process runs, etcd and the API server answer, the nodes are Ready with
// the labels and resources up gives them, and the default StorageClass
// exists. A cluster started by an older up (one node, no StorageClass, no
// provisioner) is not healthy, so up replaces it.
func (c *cluster) check(ctx context.Context) []string {
	var problems []string
	for _, name := range componentNames() {
		if !localproc.Running(c.readPID(name), name) {
			problems = append(problems, fmt.Sprintf("%s is not running (log: %s)", name, c.rel(c.logFile(name))))
		}
	}
	if len(problems) > 0 {
		return problems
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := c.readState()
	if err != nil {
		return []string{err.Error()}
	}
	if err := etcdHealthy(ctx, s.EtcdPort); err != nil {
		return []string{fmt.Sprintf("etcd: %v", err)}
	}
	client, err := c.client()
	if err == nil {
		err = apiServerReady(ctx, client)
	}
	if err != nil {
		return []string{fmt.Sprintf("kube-apiserver: %v", err)}
	}
	if p := nodesProblem(ctx, client); p != "" {
		return []string{fmt.Sprintf("%s (kwok log: %s)", p, c.rel(c.logFile("kwok")))}
	}
	if p := storageClassProblem(ctx, client); p != "" {
		return []string{p}
	}
	return nil
}
