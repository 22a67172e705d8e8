package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/internal/testenv/faultproxy"
)

// faultsScenario names the flaky-API comparison, for -only.
const faultsScenario = "install gen-chart.sh 70 through a flaky API"

// flakyAPI are the faults issue "Reliability" measured Helm against, with
// the 1s Retry-After the API server sends.
var flakyAPI = faultproxy.Faults{TooManyRequests: 0.05, ServerErrors: 0.02, Resets: 0.01, RetryAfter: time.Second, Seed: 8}

// toolResult is what one tool achieved through the proxy.
type toolResult struct {
	ok     int
	walls  []time.Duration
	faults faultproxy.Counts
	errs   []string
}

// runFaults installs a 70-object chart cfg.runs times with each tool,
// alternately, through the fault proxy in front of the local cluster
// (hack/cluster.sh), and reports how many installs succeeded and how long
// the successful ones took. Unlike the other scenarios, failures are
// results, not errors.
func runFaults(ctx context.Context, cfg config, out io.Writer) error {
	if err := exec.CommandContext(ctx, "hack/cluster.sh", "status").Run(); err != nil {
		fmt.Fprintf(out, "\n%s: skipped, the local cluster is not running (hack/cluster.sh up)\n", faultsScenario)
		return nil
	}
	proxy, kubeconfig, client, err := startFaultProxy(cfg)
	if err != nil {
		return err
	}
	defer proxy.Close()
	chart := filepath.Join(cfg.workDir, "faults-bulk")
	if err := runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), chart, "70"); err != nil {
		return err
	}
	results := map[string]*toolResult{"berth": {}, "helm": {}}
	bins := map[string]string{"berth": cfg.berth, "helm": cfg.helm}
	// Namespaces of this run only: those of an earlier run may still be
	// terminating.
	namespaces := map[string]string{}
	for _, tool := range []string{"berth", "helm"} {
		namespaces[tool] = fmt.Sprintf("bench-faults-%s-%d", tool, time.Now().Unix())
		if err := createFaultNamespace(ctx, client, namespaces[tool]); err != nil {
			return err
		}
	}
	defer deleteFaultNamespaces(client, namespaces)
	proxy.SetFaults(flakyAPI)
	for i := range cfg.runs {
		for _, tool := range []string{"berth", "helm"} {
			args := []string{
				"install", "bulk-" + strconv.Itoa(i), chart, "--set", "replicas=0",
				"-n", namespaces[tool], "--kubeconfig", kubeconfig,
			}
			if tool == "berth" {
				args = append(args, noWaitFlags(cfg.berth)...)
			}
			before := proxy.Counts()
			wall, err := tryOnce(ctx, bins[tool], args)
			results[tool].add(wall, err, diffCounts(proxy.Counts(), before))
		}
	}
	printFaults(out, cfg.runs, results)
	return nil
}

// startFaultProxy starts the proxy in front of the local cluster and
// writes a kubeconfig that goes through it.
func startFaultProxy(cfg config) (*faultproxy.Proxy, string, kubernetes.Interface, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", filepath.Join(clusterDir(), "kubeconfig"))
	if err != nil {
		return nil, "", nil, fmt.Errorf("load %s/kubeconfig: %w", clusterDir(), err)
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, "", nil, err
	}
	proxy, err := faultproxy.New(rc)
	if err != nil {
		return nil, "", nil, err
	}
	kubeconfig := filepath.Join(cfg.workDir, "faults-kubeconfig")
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: flaky, cluster: {server: %q}}]
users: [{name: anonymous, user: {}}]
contexts: [{name: flaky, context: {cluster: flaky, user: anonymous}}]
current-context: flaky
`, proxy.URL())
	if err := os.WriteFile(kubeconfig, []byte(content), 0o600); err != nil {
		proxy.Close()
		return nil, "", nil, err
	}
	return proxy, kubeconfig, client, nil
}

// tryOnce runs a command and returns how long it took and its error, with
// the last lines it printed to stderr.
func tryOnce(ctx context.Context, bin string, args []string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		return wall, fmt.Errorf("%w: %s", err, lines[len(lines)-1])
	}
	return wall, nil
}

func (r *toolResult) add(wall time.Duration, err error, faults faultproxy.Counts) {
	r.faults.Requests += faults.Requests
	r.faults.TooManyRequests += faults.TooManyRequests
	r.faults.ServerErrors += faults.ServerErrors
	r.faults.Resets += faults.Resets
	if err != nil {
		r.errs = append(r.errs, err.Error())
		return
	}
	r.ok++
	r.walls = append(r.walls, wall)
}

func diffCounts(after, before faultproxy.Counts) faultproxy.Counts {
	return faultproxy.Counts{
		Requests:        after.Requests - before.Requests,
		TooManyRequests: after.TooManyRequests - before.TooManyRequests,
		ServerErrors:    after.ServerErrors - before.ServerErrors,
		Resets:          after.Resets - before.Resets,
		Reads:           after.Reads - before.Reads,
		Watches:         after.Watches - before.Watches,
		Writes:          after.Writes - before.Writes,
		BytesSent:       after.BytesSent - before.BytesSent,
	}
}

func printFaults(out io.Writer, runs int, results map[string]*toolResult) {
	fmt.Fprintf(out, "\n%s (5%% 429 with Retry-After 1s, 2%% 500/503, 1%% resets), %d installs per tool:\n\n", faultsScenario, runs)
	fmt.Fprintln(out, "| tool | succeeded | median wall (successes) | requests | 429 | 5xx | resets |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, tool := range []string{"berth", "helm"} {
		r := results[tool]
		median := "-"
		if len(r.walls) > 0 {
			slices.Sort(r.walls)
			median = fmt.Sprintf("%.3f s", r.walls[len(r.walls)/2].Seconds())
		}
		fmt.Fprintf(out, "| %s | %d/%d | %s | %d | %d | %d | %d |\n", tool, r.ok, runs, median,
			r.faults.Requests, r.faults.TooManyRequests, r.faults.ServerErrors, r.faults.Resets)
	}
	for _, tool := range []string{"berth", "helm"} {
		for _, e := range firstDistinct(results[tool].errs, 3) {
			fmt.Fprintf(out, "\n%s failed: %s", tool, e)
		}
	}
	fmt.Fprintln(out)
}

// firstDistinct returns up to n distinct strings of s, in order.
func firstDistinct(s []string, n int) []string {
	var out []string
	for _, x := range s {
		if len(out) < n && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// noWaitFlags turns off berth's readiness wait if it has one: the chart's
// Deployments have no replicas and Helm does not wait either.
func noWaitFlags(berth string) []string {
	help, err := exec.CommandContext(context.Background(), berth, "install", "--help").Output()
	if err == nil && bytes.Contains(help, []byte("--wait")) {
		return []string{"--wait=false"}
	}
	return nil
}

func createFaultNamespace(ctx context.Context, client kubernetes.Interface, name string) error {
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// deleteFaultNamespaces deletes the namespaces of the scenario, untimed.
func deleteFaultNamespaces(client kubernetes.Interface, namespaces map[string]string) {
	for _, ns := range namespaces {
		err := client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			fmt.Fprintln(os.Stderr, "bench: delete namespace:", err)
		}
	}
}
