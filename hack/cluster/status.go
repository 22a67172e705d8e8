//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// errUnhealthy makes status exit 1 after printing its report.
var errUnhealthy = errors.New("cluster not healthy")

// status prints each component's PID and state, and the node's.
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
		fmt.Fprintf(stdout, "\nHealthy: etcd and kube-apiserver answer, node %s is Ready.\nexport KUBECONFIG=%s\n", nodeName, c.kubeconfig())
		return nil
	}
	fmt.Fprintln(stdout, "\nNot healthy:")
	for _, p := range problems {
		fmt.Fprintf(stdout, "  - %s\n", p)
	}
	return errUnhealthy
}

// check returns what is wrong with the recorded cluster; nothing when every
// process runs, etcd and the API server answer and the node is Ready.
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
	node, err := client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return []string{fmt.Sprintf("node %s: %v", nodeName, err)}
	}
	if !nodeReady(node) {
		return []string{fmt.Sprintf("node %s is not Ready (kwok log: %s)", nodeName, c.rel(c.logFile("kwok")))}
	}
	return nil
}
