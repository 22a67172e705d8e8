package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// growthSizes are the object counts of the growth series: how template
// and install time grow with the size of the chart (gen-chart.sh N). The
// 1000-object scenarios are the main ones (scenarios.go, deploy.go).
var growthSizes = []int{100, 5000}

// growthRuns bounds the runs of the growth installs: an install of 5000
// objects takes Helm about a minute.
const growthRuns = 3

// growthScenarios are template and install of gen-chart.sh 100 and 5000.
func growthScenarios(cfg config) []scenario {
	var out []scenario
	for _, n := range growthSizes {
		dir := filepath.Join(cfg.workDir, "growth-bulk-"+strconv.Itoa(n))
		gen := func(config) error {
			if _, err := os.Stat(dir); err == nil {
				return nil
			}
			return runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), dir, strconv.Itoa(n))
		}
		nsName := "install-" + strconv.Itoa(n)
		out = append(out, scenario{
			name:       fmt.Sprintf("template gen-chart.sh %d", n),
			setup:      gen,
			berth:      []string{"template", "rel", dir, "--namespace", "ns", "--kube-version", "1.33.0"},
			helm:       []string{"template", "rel", dir, "--namespace", "ns", "--kube-version", "1.33.0"},
			sameOutput: true,
		}, scenario{
			name:  fmt.Sprintf("install gen-chart.sh %d", n),
			runs:  growthRuns,
			setup: func(cfg config) error { return errors.Join(gen(cfg), deployNamespaces(cfg, nsName)) },
			argsFor: func(tool string, run int) []string {
				args := []string{
					"install", "bulk-" + strconv.Itoa(run), dir, "--set", "replicas=0",
					"-n", cfg.cluster.ns(nsName, tool), "--kubeconfig", cfg.cluster.kubeconfig,
				}
				if tool == "berth" {
					args = append(args, berthNoWait(cfg.berth)...)
				}
				return args
			},
			teardown: func(cfg config) error { return cfg.cluster.deleteNamespaces(nsName) },
		})
	}
	return out
}
