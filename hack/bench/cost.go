package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/berth-sh/berth/internal/testenv/faultproxy"
)

// costScenario names the install-cost measurement, for -only.
const costScenario = "install cost gen-chart.sh 1000"

// Targets of issue 17 for the install of 1000 objects.
const (
	targetRequestsPerObject = 1.1
	targetToolCPU           = 0.25 // berth's CPU / Helm's
	targetClusterCPU        = 2.0 / 3.0
)

// costSample is one install through the counting proxy.
type costSample struct {
	wall, cpu, cluster time.Duration
	counts             faultproxy.Counts
}

// runCost installs gen-chart.sh 1000 (replicas 0, no wait) with each tool,
// alternately, through the fault proxy with no faults, which counts every
// request; it reports the median run's requests per object, bytes sent,
// the tool's CPU and the CPU the local cluster used meanwhile, against the
// issue's targets.
func runCost(ctx context.Context, cfg config, out io.Writer) error {
	lc, err := clusterFor(cfg)
	if err != nil {
		return err
	}
	proxy, kubeconfig, client, err := startFaultProxy(cfg)
	if err != nil {
		return err
	}
	defer proxy.Close()
	chart := filepath.Join(cfg.workDir, "cost-bulk")
	if err := runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), chart, strconv.Itoa(bulkObjects)); err != nil {
		return err
	}
	namespaces := map[string]string{}
	for _, tool := range []string{"berth", "helm"} {
		namespaces[tool] = fmt.Sprintf("bench-cost-%s-%d", tool, time.Now().Unix())
		if err := createFaultNamespace(ctx, client, namespaces[tool]); err != nil {
			return err
		}
	}
	defer deleteFaultNamespaces(client, namespaces)
	bins := map[string]string{"berth": cfg.berth, "helm": cfg.helm}
	samples := map[string][]costSample{}
	runs := min(cfg.runs, 3)
	for i := range runs + 1 { // the first run warms caches
		for _, tool := range []string{"berth", "helm"} {
			args := []string{"install", "bulk-" + strconv.Itoa(i), chart, "--set", "replicas=0", "-n", namespaces[tool], "--kubeconfig", kubeconfig}
			if tool == "berth" {
				args = append(args, noWaitFlags(cfg.berth)...)
			}
			before := proxy.Counts()
			s, err := runOnce(ctx, lc, bins[tool], args, io.Discard)
			if err != nil {
				return err
			}
			if i > 0 {
				samples[tool] = append(samples[tool], costSample{wall: s.wall, cpu: s.cpu, cluster: s.cluster, counts: diffCounts(proxy.Counts(), before)})
			}
		}
	}
	printCost(out, runs, samples["berth"], samples["helm"])
	return nil
}

// medianCost is the sample of median wall time.
func medianCost(s []costSample) costSample {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b costSample) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

func printCost(out io.Writer, runs int, berth, helm []costSample) {
	b, h := medianCost(berth), medianCost(helm)
	fmt.Fprintf(out, "\n%s: %d installs of %d objects per tool (replicas=0, no wait) through a counting proxy; the median run:\n\n",
		costScenario, runs, bulkObjects)
	fmt.Fprintln(out, "| tool | requests / object | reads | watches | writes | KiB sent / object | tool CPU | cluster CPU | wall |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range []struct {
		tool string
		s    costSample
	}{{"berth", b}, {"helm", h}} {
		c := row.s.counts
		fmt.Fprintf(out, "| %s | %.3f | %d | %d | %d | %.2f | %.2f s | %.2f s | %.2f s |\n", row.tool,
			float64(c.Requests)/bulkObjects, c.Reads, c.Watches, c.Writes, float64(c.BytesSent)/1024/bulkObjects,
			row.s.cpu.Seconds(), row.s.cluster.Seconds(), row.s.wall.Seconds())
	}
	perObject := float64(b.counts.Requests) / bulkObjects
	fmt.Fprintf(out, "\nberth against the targets: %.3f requests per object (target ≤ %.1f: %s); CPU %.2f of Helm's (target ≤ %.2f: %s); "+
		"cluster CPU %.2f of Helm's (target ≤ %.2f: %s); wall time %.2f of Helm's.\n",
		perObject, targetRequestsPerObject, verdict(perObject <= targetRequestsPerObject),
		ratio(b.cpu, h.cpu), targetToolCPU, verdict(ratio(b.cpu, h.cpu) <= targetToolCPU),
		ratio(b.cluster, h.cluster), targetClusterCPU, verdict(ratio(b.cluster, h.cluster) <= targetClusterCPU),
		ratio(b.wall, h.wall))
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
