package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// waitScenario is the name of the install --wait comparison. It runs only
// when -only names it: each run installs 143 Deployments per tool and
// takes minutes.
const waitScenario = "install --wait 1000"

// waitDeployments is how many Deployments gen-chart.sh 1000 renders: one
// object in seven is a Deployment.
const waitDeployments = 143

// waitSample is one install --wait run of one tool.
type waitSample struct {
	total time.Duration // start to exit
	// ready is start to the moment the watch saw the last Deployment
	// become Available.
	ready time.Duration
	// lag is exit minus that moment: how late the tool reported success
	// (negative: it exited before the watch saw all Deployments Available).
	lag time.Duration
	log string // the tool's output, each line prefixed by its time since start
}

// runWait compares `install --wait` of gen-chart.sh 1000 by berth and Helm
// (watcher strategy), alternately, each run in fresh namespaces, with an
// informer of our own recording when the last Deployment became Available.
func runWait(ctx context.Context, cfg config, out io.Writer) error {
	lc, err := clusterFor(cfg)
	if err != nil {
		return err
	}
	chartDir := filepath.Join(cfg.workDir, "wait-bulk")
	if err := runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), chartDir, strconv.Itoa(bulkObjects)); err != nil {
		return err
	}
	logDir, err := os.MkdirTemp("", "berth-bench-wait-")
	if err != nil {
		return err
	}
	samples := map[string][]waitSample{}
	for i := range cfg.runs {
		for _, tool := range []string{"berth", "helm"} {
			s, err := waitRun(ctx, cfg, lc, tool, chartDir, i)
			if err != nil {
				return fmt.Errorf("%s: %s run %d: %w", waitScenario, tool, i, err)
			}
			logFile := filepath.Join(logDir, fmt.Sprintf("%s-%d.log", tool, i))
			if err := os.WriteFile(logFile, []byte(s.log), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "bench: %s run %d: total %s, last Available at %s, report lag %s (output: %s)\n",
				tool, i, secs(s.total), secs(s.ready), secs(s.lag), logFile)
			samples[tool] = append(samples[tool], s)
		}
	}
	printWait(out, cfg, samples)
	return nil
}

// printWait prints the table of the wait scenario, every run listed.
func printWait(out io.Writer, cfg config, samples map[string][]waitSample) {
	fmt.Fprintf(out, "\n%s: %d runs per tool, alternated, fresh namespaces; berth install --wait --timeout 10m, "+
		"helm install --wait --timeout 10m (the watcher strategy).\n\n", waitScenario, cfg.runs)
	fmt.Fprintln(out, "| tool | run | end to end | last Deployment Available | report lag |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: |")
	for _, tool := range []string{"berth", "helm"} {
		for i, s := range samples[tool] {
			fmt.Fprintf(out, "| %s | %d | %s | %s | %s |\n", tool, i+1, secs(s.total), secs(s.ready), secs(s.lag))
		}
	}
	b, h := medianTotal(samples["berth"]), medianTotal(samples["helm"])
	fmt.Fprintf(out, "\nMedian end to end: berth %s, helm %s, helm / berth %.1f×; load average at the end %s.\n",
		secs(b), secs(h), float64(h)/float64(b), loadAverage())
}

func medianTotal(samples []waitSample) time.Duration {
	d := make([]time.Duration, len(samples))
	for i, s := range samples {
		d[i] = s.total
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// waitRun installs the chart with tool in a new namespace, watched, then
// deletes the namespace and waits until it is gone.
func waitRun(ctx context.Context, cfg config, lc *localCluster, tool, chartDir string, i int) (waitSample, error) {
	ns := fmt.Sprintf("bench-wait-%s-%s-%d", tool, lc.suffix, i)
	if err := lc.namespace(ctx, ns); err != nil {
		return waitSample{}, err
	}
	defer func() {
		if err := deleteNamespace(ctx, lc, ns); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}()
	w := newAvailableWatch()
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := w.start(wctx, lc, ns); err != nil {
		return waitSample{}, err
	}
	bin := cfg.berth
	if tool == "helm" {
		bin = cfg.helm // Helm 4: --wait alone is the watcher strategy
	}
	args := []string{"install", "bulk", chartDir, "--wait", "--timeout", "10m", "-n", ns, "--kubeconfig", lc.kubeconfig}
	start := time.Now()
	log, err := runTimestamped(ctx, bin, args, start)
	end := time.Now()
	if err != nil {
		return waitSample{}, fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, log)
	}
	// The watch may trail the tool by an event; allow it to catch up.
	last, err := w.lastAvailable(ctx, 30*time.Second)
	if err != nil {
		return waitSample{}, fmt.Errorf("%w (the tool reported success %s after it started)", err, secs(end.Sub(start)))
	}
	return waitSample{total: end.Sub(start), ready: last.Sub(start), lag: end.Sub(last), log: log}, nil
}

// runTimestamped runs bin and returns its stdout and stderr merged, each
// line prefixed with the seconds since start at which it arrived.
func runTimestamped(ctx context.Context, bin string, args []string, start time.Time) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var b strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			fmt.Fprintf(&b, "%8.3f %s\n", time.Since(start).Seconds(), sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	_ = pw.Close()
	<-done
	return b.String(), err
}

// availableWatch records, per Deployment, when an informer saw it become
// Available; a Deployment seen unavailable again loses its time.
type availableWatch struct {
	mu      sync.Mutex
	since   map[string]time.Time
	changed chan struct{}
}

func newAvailableWatch() *availableWatch {
	return &availableWatch{since: map[string]time.Time{}, changed: make(chan struct{}, 1)}
}

// start runs an informer on the Deployments of ns until ctx ends and
// returns once its cache has synced.
func (w *availableWatch) start(ctx context.Context, lc *localCluster, ns string) error {
	f := informers.NewSharedInformerFactoryWithOptions(lc.client, 0, informers.WithNamespace(ns))
	inf := f.Apps().V1().Deployments().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    w.observe,
		UpdateFunc: func(_, obj any) { w.observe(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(*appsv1.Deployment); ok {
				w.set(d.Name, false)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("watch Deployments in %s: %w", ns, err)
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("watch Deployments in %s: cache did not sync", ns)
	}
	return nil
}

func (w *availableWatch) observe(obj any) {
	if d, ok := obj.(*appsv1.Deployment); ok {
		w.set(d.Name, deploymentAvailable(d))
	}
}

func (w *availableWatch) set(name string, available bool) {
	now := time.Now()
	w.mu.Lock()
	_, had := w.since[name]
	switch {
	case available && !had:
		w.since[name] = now
	case !available && had:
		delete(w.since, name)
	}
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// lastAvailable waits up to grace for all waitDeployments to be Available
// and returns when the last of them became so.
func (w *availableWatch) lastAvailable(ctx context.Context, grace time.Duration) (time.Time, error) {
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		n := len(w.since)
		var last time.Time
		for _, t := range w.since {
			if t.After(last) {
				last = t
			}
		}
		w.mu.Unlock()
		if n >= waitDeployments {
			return last, nil
		}
		select {
		case <-w.changed:
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("only %d of %d Deployments Available %s after the tool exited", n, waitDeployments, grace)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

// deploymentAvailable is the watch's own readiness rule: the controller has
// seen the current spec, every replica is available, and the Available
// condition is True.
func deploymentAvailable(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	if d.Status.ObservedGeneration != d.Generation || d.Status.AvailableReplicas != want {
		return false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// deleteNamespace deletes ns and waits until it is gone, so that runs do
// not accumulate sets of 143 Deployments.
func deleteNamespace(ctx context.Context, lc *localCluster, ns string) error {
	err := lc.client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := lc.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("wait for namespace %s to go: %w", ns, err)
	}
	return nil
}
