package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// corpusScenario names the render of every case of both corpora.
const corpusScenario = "template all corpus and corpus2 cases"

// corpusRuns bounds the runs of the corpus scenario: a round renders about
// a hundred cases with each tool.
const corpusRuns = 5

// templateCase is one `template` command, the same for both tools.
type templateCase struct {
	name string
	args []string
}

// corpusScenarioFor renders, as one run, every case of ../shared/corpus
// (cases.json) and of ../shared/corpus2 (each chart with its defaults and
// with each values file it ships for its CI, as hack/compat2.py renders
// them) with each tool in turn, case by case; a run's time and CPU are
// the sums over the cases, its memory the largest. Cases Helm fails on are
// left out (the warm-up round finds them).
func corpusScenarioFor(cfg config) scenario {
	var cases []templateCase
	return scenario{
		name: corpusScenario,
		runs: corpusRuns,
		setup: func(cfg config) error {
			var err error
			cases, err = corpusCases(cfg)
			if err == nil {
				evictBinaries(cfg)
			}
			return err
		},
		measureFn: func(ctx context.Context, cfg config, runs int) ([]sample, []sample, error) {
			return measureCases(ctx, cfg, cases, runs)
		},
	}
}

// measureCases runs the cases with both tools alternately, case by case:
// a warm-up round that drops the cases Helm fails on and checks that both
// tools print the same documents for the others, then runs measured
// rounds, each one sample per tool.
func measureCases(ctx context.Context, cfg config, cases []templateCase, runs int) (berth, helm []sample, err error) {
	var kept []templateCase
	for _, c := range cases {
		var helmOut, berthOut strings.Builder
		if _, err := runOnce(ctx, nil, cfg.helm, c.args, &helmOut); err != nil {
			continue
		}
		if _, err := runOnce(ctx, nil, cfg.berth, c.args, &berthOut); err != nil {
			return nil, nil, fmt.Errorf("case %s: helm renders it, berth fails: %w", c.name, err)
		}
		if bs, hs := sources(berthOut.String()), sources(helmOut.String()); !slices.Equal(bs, hs) {
			return nil, nil, fmt.Errorf("case %s: berth and helm print different documents (%d and %d)", c.name, len(bs), len(hs))
		}
		kept = append(kept, c)
	}
	fmt.Fprintf(os.Stderr, "bench: %s: %d of %d cases (Helm fails on the others)\n", corpusScenario, len(kept), len(cases))
	for range runs {
		var b, h sample
		for _, c := range kept {
			bs, err := runOnce(ctx, nil, cfg.berth, c.args, io.Discard)
			if err != nil {
				return nil, nil, err
			}
			hs, err := runOnce(ctx, nil, cfg.helm, c.args, io.Discard)
			if err != nil {
				return nil, nil, err
			}
			b, h = addSample(b, bs), addSample(h, hs)
		}
		berth, helm = append(berth, b), append(helm, h)
	}
	return berth, helm, nil
}

// addSample adds s to the sum of a round: times add up, memory is the
// largest.
func addSample(sum, s sample) sample {
	return sample{wall: sum.wall + s.wall, cpu: sum.cpu + s.cpu, maxRSS: max(sum.maxRSS, s.maxRSS)}
}

// corpusCase is an entry of ../shared/corpus/cases.json.
type corpusCase struct {
	Name        string   `json:"name"`
	Chart       string   `json:"chart"`
	Release     string   `json:"release"`
	Namespace   string   `json:"namespace"`
	KubeVersion string   `json:"kubeVersion"`
	APIVersions []string `json:"apiVersions"`
	Values      []string `json:"values"`
	Set         []string `json:"set"`
	Extra       []string `json:"extra"`
}

// corpusCases lists the cases of both corpora, as check.py and
// hack/compat2.py run them.
func corpusCases(cfg config) ([]templateCase, error) {
	root := filepath.Join(cfg.shared, "corpus")
	data, err := os.ReadFile(filepath.Join(root, "cases.json"))
	if err != nil {
		return nil, fmt.Errorf("corpus cases: %w", err)
	}
	var listed []corpusCase
	if err := json.Unmarshal(data, &listed); err != nil {
		return nil, fmt.Errorf("corpus cases: %w", err)
	}
	var cases []templateCase
	for _, c := range listed {
		cases = append(cases, templateCase{name: c.Name, args: c.args(root)})
	}
	more, err := corpus2Cases(filepath.Join(cfg.shared, "corpus2", "charts"))
	return append(cases, more...), err
}

func (c corpusCase) args(root string) []string {
	args := []string{
		"template", orDefault(c.Release, "rel"), filepath.Join(root, c.Chart),
		"--namespace", orDefault(c.Namespace, "ns"), "--kube-version", orDefault(c.KubeVersion, "1.33.0"),
	}
	for _, a := range c.APIVersions {
		args = append(args, "--api-versions", a)
	}
	for _, f := range c.Values {
		args = append(args, "-f", filepath.Join(root, f))
	}
	for _, s := range c.Set {
		args = append(args, "--set", s)
	}
	return append(args, c.Extra...)
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// corpus2Needs are what some corpus2 charts need beyond their values, as
// hack/compat2.py gives them.
var corpus2Needs = map[string][]string{
	"external-dns":                 {"--set", "policy=sync"},
	"longhorn":                     {"--kube-version", "1.34.0"},
	"aws-load-balancer-controller": {"--set", "clusterName=compat"},
}

// corpus2Cases are each chart of dir with its defaults, with each
// ci/*.yaml and with each values-*.yaml beside its values.yaml.
func corpus2Cases(dir string) ([]templateCase, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus2: %w", err)
	}
	var cases []templateCase
	for _, e := range entries {
		chart := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(chart, "Chart.yaml")); err != nil {
			continue
		}
		base := []string{"template", "rel", chart, "--namespace", "ns", "--kube-version", "1.33.0"}
		base = append(base, corpus2Needs[e.Name()]...)
		if extra, err := os.ReadFile(filepath.Join(chart, "ci", "extra_args")); err == nil {
			base = append(base, strings.Fields(string(extra))...)
		}
		cases = append(cases, templateCase{name: e.Name(), args: base})
		ci, _ := filepath.Glob(filepath.Join(chart, "ci", "*.yaml"))
		variants, _ := filepath.Glob(filepath.Join(chart, "values-*.yaml"))
		for _, f := range append(ci, variants...) {
			if strings.HasPrefix(filepath.Base(f), ".") {
				continue
			}
			cases = append(cases, templateCase{
				name: e.Name() + "-" + strings.TrimSuffix(filepath.Base(f), ".yaml"),
				args: append(slices.Clone(base), "-f", f),
			})
		}
	}
	return cases, nil
}

// instructionRows counts, with valgrind's callgrind, the instructions a
// run of each single-command template and process-start scenario takes
// with each tool: a figure that the load of a shared machine does not
// change, unlike times. Go's asynchronous preemption signals are turned
// off for callgrind (GODEBUG=asyncpreemptoff=1), which it cannot follow.
func instructionRows(ctx context.Context, cfg config, out io.Writer) error {
	if _, err := exec.LookPath("valgrind"); err != nil {
		return fmt.Errorf("-instructions needs valgrind: %w", err)
	}
	fmt.Fprintf(out, "\nInstructions, the fewest of %d runs (valgrind --tool=callgrind, GOMAXPROCS=1, user space only):\n", instructionRuns)
	fmt.Fprintln(out, "\n| scenario | berth instructions | helm instructions | helm / berth |")
	fmt.Fprintln(out, "| --- | ---: | ---: | ---: |")
	for _, s := range scenarios(cfg) {
		if !cfg.only.MatchString(s.name) || s.berth == nil || s.argsFor != nil ||
			(!strings.HasPrefix(s.name, "template ") && !strings.HasPrefix(s.name, "process start")) {
			continue
		}
		if s.setup != nil {
			if err := s.setup(cfg); err != nil {
				return fmt.Errorf("%s: setup: %w", s.name, err)
			}
		}
		b, err := countInstructions(ctx, cfg.berth, s.berth)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		h, err := countInstructions(ctx, cfg.helm, s.helm)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(out, "| %s | %.0f M | %.0f M | %.2f× |\n", s.name, float64(b)/1e6, float64(h)/1e6, float64(h)/float64(b))
	}
	return nil
}

var callgrindTotal = regexp.MustCompile(`Collected : (\d+)`)

// instructionRuns is how many runs countInstructions takes the least of.
// The runs are on one processor (GOMAXPROCS=1): with more, the Go
// scheduler's idle threads spin for work and callgrind counts their
// instructions too, which inflated one run in three by up to ten times.
const instructionRuns = 3

// countInstructions runs bin with args under callgrind instructionRuns
// times and returns the fewest instructions counted.
func countInstructions(ctx context.Context, bin string, args []string) (int64, error) {
	var least int64
	for range instructionRuns {
		n, err := countInstructionsOnce(ctx, bin, args)
		if err != nil {
			return 0, err
		}
		if least == 0 || n < least {
			least = n
		}
	}
	return least, nil
}

// countInstructionsOnce runs bin with args under callgrind and returns the
// instructions it counted.
func countInstructionsOnce(ctx context.Context, bin string, args []string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "valgrind", append([]string{"--tool=callgrind", "--callgrind-out-file=/dev/null", bin}, args...)...)
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOMAXPROCS=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("callgrind %s: %w\n%s", bin, err, stderr.String())
	}
	m := callgrindTotal.FindSubmatch(stderr.Bytes())
	if m == nil {
		return 0, fmt.Errorf("callgrind %s: no total in its output:\n%s", bin, stderr.String())
	}
	var n int64
	_, err := fmt.Sscan(string(m[1]), &n)
	return n, err
}
