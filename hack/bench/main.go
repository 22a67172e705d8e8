// Command bench compares whole-process runs of berth and Helm side by side:
// for each scenario it runs both commands alternately, several times, and
// reports the median wall time, the ratio measured in this run, and the peak
// resident memory. `make bench` runs it; docs/performance.md records the
// results with the machine they were measured on.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

type config struct {
	runs    int
	only    *regexp.Regexp
	berth   string
	helm    string
	corpus  string
	shared  string
	workDir string
	// cluster is the local cluster of the deploy scenarios (deploy.go),
	// started on first use.
	cluster *localCluster
	// scaleReleases and scaleRevisions size the list scale measurement.
	scaleReleases, scaleRevisions int
	// scaleParts selects the scale measurements: history, list, wait.
	scaleParts *regexp.Regexp
	// plots is where the SVG plots of the results go ("" for none).
	plots string
	// instructions adds the instruction counts of the template scenarios
	// (template.go).
	instructions bool
}

func main() {
	var cfg config
	var only string
	flag.IntVar(&cfg.runs, "runs", 10, "measured runs per command (after one warm-up run)")
	flag.StringVar(&only, "only", "", "run only scenarios whose name matches this regular expression")
	flag.StringVar(&cfg.berth, "berth", "bin/berth", "berth binary")
	flag.StringVar(&cfg.helm, "helm", "bin/helm", "helm binary (hack/tools/build.sh helm)")
	flag.StringVar(&cfg.shared, "shared", "../shared", "the shared folder with corpus/ and bench/")
	flag.IntVar(&cfg.scaleReleases, "scale-releases", 10000, "releases of the list scale measurement (-only scale)")
	flag.IntVar(&cfg.scaleRevisions, "scale-revisions", 10, "revisions of each of them")
	scaleParts := flag.String("scale-parts", "", "run only the scale measurements matching this regular expression (history, list, wait)")
	flag.BoolVar(&cfg.instructions, "instructions", false, "also count the instructions of one run of each template scenario with valgrind")
	flag.StringVar(&cfg.plots, "plots", "", "write SVG plots of the results into this directory (docs/performance.md shows docs/perf)")
	flag.Parse()
	cfg.only = regexp.MustCompile(only)
	cfg.scaleParts = regexp.MustCompile(*scaleParts)
	cfg.corpus = filepath.Join(cfg.shared, "corpus", "charts")
	dir, err := os.MkdirTemp("", "berth-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg.workDir = dir
	cfg.cluster = &localCluster{}
	err = run(context.Background(), cfg, os.Stdout)
	cfg.cluster.stop()
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// scenario is one comparison: the same work done by berth and by Helm.
type scenario struct {
	name  string
	setup func(cfg config) error
	berth []string
	helm  []string
	// sameOutput says both tools must print the same documents (the same
	// sequence of "# Source:" lines; charts with random passwords or
	// certificates differ in content); the warm-up run checks it, so the
	// benchmark never compares different work.
	sameOutput bool
	// argsFor, when set, gives the arguments of run i (0 is the warm-up)
	// for tool "berth" or "helm" instead of berth and helm, for scenarios
	// whose every run must differ (a new release, a new value).
	argsFor func(tool string, run int) []string
	// teardown, when set, runs after the scenario, untimed.
	teardown func(cfg config) error
	// runs, when set, bounds the measured runs below -runs.
	runs int
	// measureFn, when set, measures the scenario instead of running berth
	// and helm (template.go: a batch of commands per run).
	measureFn func(ctx context.Context, cfg config, runs int) (berth, helm []sample, err error)
}

// sample is one measured run.
type sample struct {
	wall   time.Duration
	cpu    time.Duration // user + system
	maxRSS int64         // bytes
	// cluster is the CPU the local cluster's processes used during the
	// run; hasCluster says it was measured (deploy scenarios).
	cluster    time.Duration
	hasCluster bool
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	fmt.Fprintf(out, "Measured %s on %s/%s, %d CPUs, %s, load average %s; %d runs per command after one warm-up.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(),
		loadAverage(), cfg.runs)
	fmt.Fprintln(out, "| scenario | berth median | helm median | helm / berth | berth max RSS | helm max RSS | helm / berth CPU |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	var clusterRows []string
	var results []result
	for _, s := range scenarios(cfg) {
		if !cfg.only.MatchString(s.name) {
			continue
		}
		if s.setup != nil {
			if err := s.setup(cfg); err != nil {
				return fmt.Errorf("%s: setup: %w", s.name, err)
			}
		}
		var b, h []sample
		var err error
		if s.measureFn != nil {
			runs := cfg.runs
			if s.runs > 0 {
				runs = min(runs, s.runs)
			}
			b, h, err = s.measureFn(ctx, cfg, runs)
		} else {
			b, h, err = measure(ctx, cfg, s)
		}
		if s.teardown != nil {
			err = errors.Join(err, s.teardown(cfg))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, result{name: s.name, berth: median(b).wall, helm: median(h).wall})
		fmt.Fprintf(out, "| %s | %s | %s | %.1f× | %s | %s | %.1f× |\n", s.name, dur(median(b)), dur(median(h)),
			float64(median(h).wall)/float64(median(b).wall), mib(maxRSS(b)), mib(maxRSS(h)),
			float64(medianCPU(h))/float64(medianCPU(b)))
		if b[0].hasCluster && h[0].hasCluster {
			mb, mh := median(b), median(h)
			clusterRows = append(clusterRows, fmt.Sprintf("| %s | %.2f s | %.2f s | %.2f s | %.2f s |", s.name,
				mb.cpu.Seconds(), mb.cluster.Seconds(), mh.cpu.Seconds(), mh.cluster.Seconds()))
		}
	}
	if len(clusterRows) > 0 {
		fmt.Fprintln(out, "\nCPU of the median run: the tool's own, and the local cluster's (etcd, API server, "+
			"controller-manager, scheduler, kwok) while the tool ran, on the same cores:")
		fmt.Fprintln(out, "\n| scenario | berth CPU | cluster CPU during berth | helm CPU | cluster CPU during helm |")
		fmt.Fprintln(out, "| --- | ---: | ---: | ---: | ---: |")
		for _, row := range clusterRows {
			fmt.Fprintln(out, row)
		}
	}
	if err := writePlots(cfg.plots, results); err != nil {
		return err
	}
	if cfg.instructions {
		if err := instructionRows(ctx, cfg, out); err != nil {
			return err
		}
	}
	if cfg.only.String() != "" && cfg.only.MatchString(waitScenario) { // minutes per run: only when asked
		if err := runWait(ctx, cfg, out); err != nil {
			return err
		}
	}
	if cfg.only.String() != "" && cfg.only.MatchString(importScenario) { // 100 Helm installs per run: only when asked
		if err := runImport(ctx, cfg, out); err != nil {
			return err
		}
	}
	if cfg.only.MatchString(costScenario) {
		if err := runCost(ctx, cfg, out); err != nil {
			return err
		}
	}
	if cfg.only.String() != "" && cfg.only.MatchString(scaleScenario) { // 100 000 records: only when asked
		if err := runScale(ctx, cfg, out); err != nil {
			return err
		}
	}
	if cfg.only.String() != "" && cfg.only.MatchString(stackScenario) { // three tools, 180 stack applies: only when asked
		if err := runStack(ctx, cfg, out); err != nil {
			return err
		}
	}
	if cfg.only.MatchString(faultsScenario) {
		return runFaults(ctx, cfg, out) // failures are its results: a table of its own (faults.go)
	}
	return nil
}

// measure runs the berth and helm commands alternately so that both see
// the same machine load.
func measure(ctx context.Context, cfg config, s scenario) (berth, helm []sample, err error) {
	runs := cfg.runs
	if s.runs > 0 {
		runs = min(runs, s.runs)
	}
	for i := 0; i <= runs; i++ {
		var berthOut, helmOut strings.Builder
		berthArgs, helmArgs := s.berth, s.helm
		if s.argsFor != nil {
			berthArgs, helmArgs = s.argsFor("berth", i), s.argsFor("helm", i)
		}
		b, err := runOnce(ctx, cfg.cluster, cfg.berth, berthArgs, &berthOut)
		if err != nil {
			return nil, nil, err
		}
		h, err := runOnce(ctx, cfg.cluster, cfg.helm, helmArgs, &helmOut)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 && s.sameOutput {
			if bs, hs := sources(berthOut.String()), sources(helmOut.String()); !slices.Equal(bs, hs) {
				return nil, nil, fmt.Errorf("berth and helm print different documents (%d and %d)", len(bs), len(hs))
			}
		}
		if i > 0 { // the first run warms caches
			berth, helm = append(berth, b), append(helm, h)
		}
	}
	return berth, helm, nil
}

// runOnce runs bin with args and measures it, and the CPU the local
// cluster (lc, when running) used meanwhile.
func runOnce(ctx context.Context, lc *localCluster, bin string, args []string, stdout io.Writer) (sample, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stdout = stdout
	cmd.Stderr = &stderr
	clusterBefore, hasCluster := lc.clusterCPU()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	clusterAfter, hasClusterAfter := lc.clusterCPU()
	if err != nil {
		return sample{}, fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // Linux reports KiB
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	out := sample{wall: wall, cpu: cpu, maxRSS: rss}
	if hasCluster && hasClusterAfter {
		out.cluster, out.hasCluster = clusterAfter-clusterBefore, true
	}
	return out, nil
}

// sources returns the "# Source:" lines of a rendered manifest, in order.
func sources(manifest string) []string {
	var out []string
	for _, line := range strings.Split(manifest, "\n") {
		if strings.HasPrefix(line, "# Source: ") {
			out = append(out, line)
		}
	}
	return out
}

func median(samples []sample) sample {
	s := slices.Clone(samples)
	slices.SortFunc(s, func(a, b sample) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

// medianCPU is the median CPU time (user + system) of the samples: on a
// machine others load, it varies less than wall time.
func medianCPU(samples []sample) time.Duration {
	cpu := make([]time.Duration, len(samples))
	for i, s := range samples {
		cpu[i] = s.cpu
	}
	slices.Sort(cpu)
	return cpu[len(cpu)/2]
}

// loadAverage is the 1-minute load average, "unknown" where /proc/loadavg
// is missing.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return "unknown"
	}
	return fields[0]
}

func maxRSS(samples []sample) int64 {
	var m int64
	for _, s := range samples {
		m = max(m, s.maxRSS)
	}
	return m
}

func dur(s sample) string { return fmt.Sprintf("%.3f s", s.wall.Seconds()) }
func mib(b int64) string  { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
