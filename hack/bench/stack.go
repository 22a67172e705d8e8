package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stackScenario names the stack benchmark, for -only.
const stackScenario = "stack of 30 releases"

// stackRuns is how many times each tool applies the stack, first and
// no-op apply each time.
const stackRuns = 3

// stackChart is the chart of every release of the benchmark's stack: a
// ConfigMap and a one-replica Deployment, awaited by every tool.
var stackChart = map[string]string{
	"Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
	"templates/all.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  replicas: 1
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: app, image: example.invalid/app:1}]
`,
}

// stackShape is the benchmark's diamond: base; a1..a13 on it; b1..b14
// each on two neighbouring a's; top on every b; and loner: 30 releases, in
// an order that every need comes first in.
func stackShape() (names []string, needs map[string][]string) {
	needs = map[string][]string{}
	names = append(names, "base")
	for i := 1; i <= 13; i++ {
		names = append(names, fmt.Sprintf("a%d", i))
		needs[names[len(names)-1]] = []string{"base"}
	}
	for i := 1; i <= 14; i++ {
		n := fmt.Sprintf("b%d", i)
		names = append(names, n)
		needs[n] = []string{fmt.Sprintf("a%d", (i-1)%13+1), fmt.Sprintf("a%d", i%13+1)}
		needs["top"] = append(needs["top"], n)
	}
	return append(names, "top", "loner"), needs
}

// writeStackFiles writes, in dir, the chart and the same stack three
// times over: berth.yaml, helmfile.yaml and helm.sh (one helm upgrade
// --install after the other, in the order of needs), for namespace ns
// of the cluster of kubeconfig (an absolute path).
func writeStackFiles(cfg config, dir, ns, kubeconfig string) error {
	files := map[string]string{}
	for k, v := range stackChart {
		files["charts/app/"+k] = v
	}
	names, needs := stackShape()
	var berth, helmfile, script strings.Builder
	berth.WriteString("apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: bench}\n" +
		"defaults: {namespace: " + ns + ", timeout: 2m}\nreleases:\n")
	helmfile.WriteString("helmDefaults: {wait: true, timeout: 120, createNamespace: true}\nreleases:\n")
	script.WriteString("set -e\n")
	for _, n := range names {
		var bn, hn []string
		for _, d := range needs[n] {
			bn = append(bn, "{release: "+d+"}")
			hn = append(hn, ns+"/"+d)
		}
		fmt.Fprintf(&berth, "  - {name: %s, chart: ./charts/app, needs: [%s]}\n", n, strings.Join(bn, ", "))
		fmt.Fprintf(&helmfile, "  - {name: %s, namespace: %s, chart: ./charts/app, needs: [%s]}\n", n, ns, strings.Join(hn, ", "))
		fmt.Fprintf(&script, "%q upgrade --install %s ./charts/app -n %s --create-namespace --wait --timeout 2m --kubeconfig %q >/dev/null\n",
			cfg.helm, n, ns, kubeconfig)
	}
	files["berth.yaml"], files["helmfile.yaml"], files["helm.sh"] = berth.String(), helmfile.String(), script.String()
	return writeFiles(dir, files)
}

// runStack times, stackRuns times each, on the local cluster: the first
// apply of the 30-release stack into a new namespace and the apply after
// it that changes nothing, with berth stack apply, with helm upgrade
// --install one release at a time in the order of needs, and with
// helmfile sync (bin/helmfile, hack/tools/build.sh helmfile).
func runStack(ctx context.Context, cfg config, out io.Writer) error {
	lc, err := clusterFor(cfg)
	if err != nil {
		return err
	}
	// The tools run in the stack's directory: their paths must not be
	// relative.
	for _, p := range []*string{&cfg.berth, &cfg.helm} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	helmfile := filepath.Join(filepath.Dir(cfg.helm), "helmfile")
	if _, err := os.Stat(helmfile); err != nil {
		return fmt.Errorf("%w: build it with hack/tools/build.sh helmfile", err)
	}
	kubeconfig, err := filepath.Abs(lc.kubeconfig)
	if err != nil {
		return err
	}
	tools := map[string]func(dir string) *exec.Cmd{
		"berth": func(dir string) *exec.Cmd {
			return command(ctx, dir, cfg.berth, "stack", "apply", "--kubeconfig", kubeconfig, "--concurrency", "30")
		},
		"helm": func(dir string) *exec.Cmd { return command(ctx, dir, "bash", "helm.sh") },
		"helmfile": func(dir string) *exec.Cmd {
			c := command(ctx, dir, helmfile, "--helm-binary", cfg.helm, "--kubeconfig", kubeconfig, "sync", "--skip-deps")
			return c
		},
	}
	order := []string{"berth", "helm", "helmfile"}
	first, noop := map[string][]time.Duration{}, map[string][]time.Duration{}
	var namespaces []string
	defer func() { deleteStackNamespaces(lc, namespaces) }()
	for run := range stackRuns {
		for _, tool := range order {
			ns := "bench-stack-" + tool + "-" + lc.suffix + "-" + strconv.Itoa(run)
			namespaces = append(namespaces, ns)
			dir := filepath.Join(cfg.workDir, "stack", ns)
			if err := writeStackFiles(cfg, dir, ns, kubeconfig); err != nil {
				return err
			}
			for _, d := range []map[string][]time.Duration{first, noop} {
				wall, err := timed(tools[tool](dir))
				if err != nil {
					return fmt.Errorf("%s: %s: %w", stackScenario, tool, err)
				}
				d[tool] = append(d[tool], wall)
			}
		}
	}
	fmt.Fprintf(out, "\n%s (diamond of needs, a ConfigMap and a one-replica Deployment each, every release awaited), "+
		"median of %d runs:\n\n", stackScenario, stackRuns)
	fmt.Fprintln(out, "| apply | berth stack apply | helm upgrade --install, one by one | helmfile sync | helm / berth | helmfile / berth |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range []struct {
		name string
		d    map[string][]time.Duration
	}{{"first (install)", first}, {"no changes", noop}} {
		b, h, hf := medianWall(row.d["berth"]), medianWall(row.d["helm"]), medianWall(row.d["helmfile"])
		fmt.Fprintf(out, "| %s | %.2f s | %.2f s | %.2f s | %.1f× | %.1f× |\n", row.name, b.Seconds(), h.Seconds(), hf.Seconds(),
			float64(h)/float64(b), float64(hf)/float64(b))
	}
	return nil
}

func command(ctx context.Context, dir, bin string, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, bin, args...)
	c.Dir = dir
	return c
}

// timed runs c and returns its wall time.
func timed(c *exec.Cmd) (time.Duration, error) {
	var stderr strings.Builder
	c.Stdout, c.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := c.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", strings.Join(c.Args, " "), err, stderr.String())
	}
	return time.Since(start), nil
}

func medianWall(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func deleteStackNamespaces(lc *localCluster, namespaces []string) {
	var errs []error
	for _, ns := range namespaces {
		err := lc.client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		if err != nil && !strings.Contains(err.Error(), "not found") {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
}
