package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
)

// scenarios lists the comparisons, each the same work for berth and Helm.
// Every issue that adds a command adds its benchmarks here.
func scenarios(cfg config) []scenario {
	kps := filepath.Join(cfg.workDir, "kube-prometheus-stack")
	bulk := filepath.Join(cfg.workDir, "bulk")
	template := func(chart string) []string {
		return []string{"template", "rel", chart, "--namespace", "ns", "--kube-version", "1.33.0"}
	}
	if vendored(filepath.Join(cfg.corpus, "kube-prometheus-stack")) {
		kps = filepath.Join(cfg.corpus, "kube-prometheus-stack")
	}
	return append([]scenario{
		{
			name:  "process start (version)",
			setup: func(cfg config) error { evictBinaries(cfg); return nil },
			berth: []string{"version"},
			helm:  []string{"version"},
		},
		{
			name: "template kube-prometheus-stack",
			setup: func(cfg config) error {
				evictBinaries(cfg)
				if kps == filepath.Join(cfg.corpus, "kube-prometheus-stack") {
					return nil
				}
				return vendorKubePrometheusStack(cfg, kps)
			},
			berth:      template(kps),
			helm:       template(kps),
			sameOutput: true,
		},
		{
			name:       "template argo-cd",
			setup:      func(cfg config) error { evictBinaries(cfg); return nil },
			berth:      template(filepath.Join(cfg.corpus, "argo-cd")),
			helm:       template(filepath.Join(cfg.corpus, "argo-cd")),
			sameOutput: true,
		},
		{
			name: "template gen-chart.sh 1000",
			setup: func(cfg config) error {
				evictBinaries(cfg)
				return runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), bulk, "1000")
			},
			berth:      template(bulk),
			helm:       template(bulk),
			sameOutput: true,
		},
		corpusScenarioFor(cfg),
	}, append(append(deployScenarios(cfg), diffScenarios(cfg)...), growthScenarios(cfg)...)...)
}

// vendored reports whether the corpus ships kube-prometheus-stack at dir
// with its subcharts in charts/, as a user renders it; older corpora did
// not, and the bench vendors them itself.
func vendored(dir string) bool {
	for _, sub := range []string{"grafana", "kube-state-metrics", "prometheus-node-exporter"} {
		if _, err := os.Stat(filepath.Join(dir, "charts", sub, "Chart.yaml")); err != nil {
			return false
		}
	}
	return true
}

// vendorKubePrometheusStack copies the corpus's kube-prometheus-stack to dir
// and vendors its subcharts from the corpus's own copies of them (the corpus
// ships the chart without charts/). prometheus-windows-exporter, disabled by
// default and not in the corpus, is dropped from Chart.yaml; the rendered
// output is the chart's default output either way.
func vendorKubePrometheusStack(cfg config, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := runQuiet("cp", "-r", filepath.Join(cfg.corpus, "kube-prometheus-stack"), dir); err != nil {
		return err
	}
	if err := runQuiet("chmod", "-R", "u+w", dir); err != nil {
		return err
	}
	for _, sub := range []string{"grafana", "kube-state-metrics", "prometheus-node-exporter"} {
		if err := runQuiet("cp", "-r", filepath.Join(cfg.corpus, sub), filepath.Join(dir, "charts", sub)); err != nil {
			return err
		}
	}
	chartYAML := filepath.Join(dir, "Chart.yaml")
	b, err := os.ReadFile(chartYAML)
	if err != nil {
		return err
	}
	windows := regexp.MustCompile(`(?m)^  - name: prometheus-windows-exporter\n(    .*\n)+`)
	if !windows.Match(b) {
		return fmt.Errorf("%s: prometheus-windows-exporter dependency not found", chartYAML)
	}
	return os.WriteFile(chartYAML, windows.ReplaceAll(b, nil), 0o644) //nolint:gosec // a copy in the bench's temp dir
}

func runQuiet(name string, args ...string) error {
	out, err := exec.CommandContext(context.Background(), name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w\n%s", name, args, err, out)
	}
	return nil
}
