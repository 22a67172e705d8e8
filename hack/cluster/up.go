//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/hack/internal/localproc"
	"github.com/berth-sh/berth/internal/testenv/repo"
)

// Timeouts of up's waits; generous for a busy 2-core machine.
const (
	etcdTimeout       = 30 * time.Second
	apiServerTimeout  = 90 * time.Second
	controllerTimeout = 60 * time.Second
	nodeTimeout       = 60 * time.Second
	checkTimeout      = 90 * time.Second
)

// cluster is the local cluster of one repository.
type cluster struct {
	layout
	bin     string    // directory of the binaries
	log     io.Writer // progress messages
	started []*localproc.Process
}

func (c *cluster) logf(format string, args ...any) {
	fmt.Fprintf(c.log, "cluster: "+format+"\n", args...)
}

// up starts the cluster unless it already runs healthy, proves it works
// with a Deployment, and prints how to use it.
func (c *cluster) up(ctx context.Context, stdout io.Writer) error {
	if err := repo.Require(c.bin, binaryFiles()...); err != nil {
		return err
	}
	if _, err := os.Stat(c.dir); err == nil {
		problems := c.check(ctx)
		if len(problems) == 0 {
			c.logf("already up and healthy")
			c.printUsage(stdout)
			return nil
		}
		c.logf("found a cluster that is not healthy (%s); replacing it", problems[0])
		if err := c.down(); err != nil {
			return err
		}
	}
	began := time.Now()
	err := c.start(ctx)
	if err != nil && strings.Contains(err.Error(), "address already in use") {
		// Another process took a port between picking and binding it.
		c.stopStarted()
		c.logf("a port was taken meanwhile; starting again on new ports")
		err = c.start(ctx)
	}
	if err != nil {
		c.stopStarted()
		return fmt.Errorf("%w\n(stopped what had started; logs kept in %s)", err, c.rel(filepath.Dir(c.logFile("etcd"))))
	}
	c.logf("up in %s", time.Since(began).Round(100*time.Millisecond))
	c.printUsage(stdout)
	return nil
}

func (c *cluster) start(ctx context.Context) error {
	ports, err := localproc.FreePorts(ctx, 3)
	if err != nil {
		return err
	}
	s := state{EtcdPort: ports[0], EtcdPeerPort: ports[1], APIServerPort: ports[2]}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	// A fresh member: a failed earlier attempt may have left data for other ports.
	if err := os.RemoveAll(c.etcdData()); err != nil {
		return err
	}
	if err := c.writeState(s); err != nil {
		return err
	}
	if err := writePKI(c.layout, s.APIServerPort); err != nil {
		return err
	}
	comps := components(c.layout, c.bin, s)
	if err := c.startAndWait(ctx, comps[0], etcdTimeout, func(ctx context.Context) error { return etcdHealthy(ctx, s.EtcdPort) }); err != nil {
		return err
	}
	client, err := c.client()
	if err != nil {
		return err
	}
	if err := c.startAndWait(ctx, comps[1], apiServerTimeout, func(ctx context.Context) error { return apiServerReady(ctx, client) }); err != nil {
		return err
	}
	if err := c.linkProvisioner(); err != nil {
		return err
	}
	for _, comp := range comps[2:] {
		if err := c.startOnly(comp); err != nil {
			return err
		}
	}
	return c.settle(ctx, client)
}

// settle waits for the controllers and the nodes, creates the default
// StorageClass, and waits for a test Deployment and a test claim.
func (c *cluster) settle(ctx context.Context, client kubernetes.Interface) error {
	type step struct {
		what     string        // what is awaited, for errors
		blame    []string      // components whose logs explain a failure
		timeout  time.Duration // bound of the wait
		check    func(context.Context) error
		progress string // what success means, for the log
	}
	steps := []step{{
		what: "default ServiceAccount", blame: []string{"kube-controller-manager"}, timeout: controllerTimeout,
		check:    func(ctx context.Context) error { return defaultServiceAccount(ctx, client) },
		progress: "controller-manager working",
	}, {
		what: "nodes Ready", blame: []string{"kwok"}, timeout: nodeTimeout,
		check:    func(ctx context.Context) error { return readyNodes(ctx, client) },
		progress: fmt.Sprintf("nodes %s Ready and schedulable", strings.Join(nodeNames(), ", ")),
	}, {
		what: "StorageClass/" + storageClassName, blame: []string{"kube-apiserver"}, timeout: controllerTimeout,
		check:    func(ctx context.Context) error { return ensureStorageClass(ctx, client) },
		progress: "default StorageClass " + storageClassName + " created",
	}, {
		what: "test Deployment Available", blame: []string{"kube-scheduler", "kube-controller-manager", "kwok"}, timeout: checkTimeout,
		check:    func(ctx context.Context) error { return checkDeployment(ctx, client) },
		progress: "test Deployment became Available",
	}, {
		what: "test claim Bound and its volume deleted with it", blame: []string{provisionerComponent, "kube-controller-manager"}, timeout: checkTimeout,
		check:    (&claimCheck{client: client}).step,
		progress: "test claim became Bound; its volume went with it",
	}}
	for _, step := range steps {
		began := time.Now()
		if err := c.wait(ctx, step.what, step.timeout, step.blame, step.check); err != nil {
			return err
		}
		c.logf("%s (%s)", step.progress, time.Since(began).Round(100*time.Millisecond))
	}
	return nil
}

func (c *cluster) startOnly(comp component) error {
	p, err := c.startDetached(comp)
	if err != nil {
		return err
	}
	c.started = append(c.started, p)
	return nil
}

func (c *cluster) startAndWait(ctx context.Context, comp component, timeout time.Duration, ready func(context.Context) error) error {
	began := time.Now()
	if err := c.startOnly(comp); err != nil {
		return err
	}
	if err := c.wait(ctx, comp.name+" ready", timeout, []string{comp.name}, ready); err != nil {
		return err
	}
	c.logf("%s ready (%s)", comp.name, time.Since(began).Round(100*time.Millisecond))
	return nil
}

// wait polls check until it succeeds, the timeout passes or a started
// process exits. Errors name the component to blame and show its log.
func (c *cluster) wait(ctx context.Context, what string, timeout time.Duration, blame []string, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		pollCtx, cancelPoll := context.WithTimeout(ctx, 5*time.Second)
		err := check(pollCtx)
		cancelPoll()
		if err == nil {
			return nil
		}
		if p := c.exitedProcess(); p != nil {
			return fmt.Errorf("%s %w (%s) while waiting for %s; last lines of %s:\n%s",
				p.Name, errExited, p.Status(), what, c.rel(c.logFile(p.Name)), c.tail(p.Name, 20))
		}
		select {
		case <-ctx.Done():
			return c.blame(fmt.Errorf("%s: not reached after %s: %w (last check: %w)", what, timeout, ctx.Err(), err), blame)
		case <-tick.C:
		}
	}
}

func (c *cluster) exitedProcess() *localproc.Process {
	for _, p := range c.started {
		select {
		case <-p.Exited():
			return p
		default:
		}
	}
	return nil
}

func (c *cluster) blame(err error, names []string) error {
	msg := err.Error()
	for _, name := range names {
		msg += fmt.Sprintf("\nlast lines of %s:\n%s", c.rel(c.logFile(name)), c.tail(name, 20))
	}
	return errors.New(msg)
}

// stopStarted stops what this run of up started, newest first.
func (c *cluster) stopStarted() {
	for i := len(c.started) - 1; i >= 0; i-- {
		p := c.started[i]
		if err := localproc.Stop(p.PID, p.Name, 10*time.Second); err != nil {
			c.logf("%v", err)
		}
		_ = os.Remove(c.pidFile(p.Name))
	}
	c.started = nil
}

func (c *cluster) client() (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig())
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", c.rel(c.kubeconfig()), err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	return kubernetes.NewForConfig(cfg)
}

func (c *cluster) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Local cluster is up. Its kubeconfig is %s; use it with:\n\n  export KUBECONFIG=%s\n\n"+
		"Stop it with `make cluster-down` (hack/cluster.sh down).\n", c.kubeconfig(), c.kubeconfig())
}
