package main

import (
	"errors"
	"path/filepath"
	"strconv"
)

// diffScenarios measure berth diff upgrade on the 1000-object release
// against Helm's nearest built-in preview, upgrade --dry-run=server (Helm
// has no diff). A diff should cost about a no-op upgrade: one read and one
// dry-run apply per object.
func diffScenarios(cfg config) []scenario {
	bulk := filepath.Join(cfg.workDir, "deploy-bulk")
	// argsFor previews an upgrade with set; changing adds a generation
	// that differs run by run, so that 429 of the objects change.
	argsFor := func(changing bool) func(tool string, run int) []string {
		return func(tool string, run int) []string {
			set := "replicas=0"
			if changing {
				set += ",generation=" + strconv.Itoa(run+2)
			}
			kube := []string{"-n", cfg.cluster.ns("diff", tool), "--kubeconfig", cfg.cluster.kubeconfig}
			if tool == "berth" {
				return append([]string{"diff", "upgrade", "up", bulk, "--set", set}, kube...)
			}
			return append([]string{"upgrade", "up", bulk, "--dry-run=server", "--set", set}, kube...)
		}
	}
	setup := func(cfg config) error {
		if err := runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), bulk, strconv.Itoa(bulkObjects)); err != nil {
			return err
		}
		return installIn(cfg, bulk, "diff")
	}
	return []scenario{
		{
			name:    "diff upgrade gen-chart.sh 1000, no changes (helm: upgrade --dry-run=server)",
			setup:   setup,
			argsFor: argsFor(false),
		},
		{
			name:     "diff upgrade gen-chart.sh 1000 (helm: upgrade --dry-run=server)",
			setup:    setup,
			argsFor:  argsFor(true),
			teardown: func(cfg config) error { return cfg.cluster.deleteNamespaces("diff") },
		},
	}
}

// installIn installs release "up" of bulk with each tool in the
// namespaces of scenario ns, untimed.
func installIn(cfg config, bulk, ns string) error {
	if err := deployNamespaces(cfg, ns); err != nil {
		return err
	}
	var errs []error
	for tool, bin := range map[string]string{"berth": cfg.berth, "helm": cfg.helm} {
		args := []string{
			"upgrade", "--install", "up", bulk, "--set", "replicas=0",
			"-n", cfg.cluster.ns(ns, tool), "--kubeconfig", cfg.cluster.kubeconfig,
		}
		if tool == "berth" {
			args = append(args, berthNoWait(cfg.berth)...)
		}
		errs = append(errs, runQuiet(bin, args...))
	}
	return errors.Join(errs...)
}
