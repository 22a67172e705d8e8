package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// importScenario names the Helm import benchmark, for -only.
const importScenario = "import helm --all -A of 100 Helm releases"

// Shape of the import benchmark: releases of a three-object chart, spread
// over namespaces, installed by Helm 4 with server-side apply.
const (
	importReleases   = 100
	importNamespaces = 10
	importRuns       = 3
	importWorkers    = 8
)

// importChart is the chart the benchmark's Helm releases deploy.
var importChart = map[string]string{
	"Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"templates/all.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app: {{ .Release.Name }}}
spec:
  replicas: 0
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers:
      - {name: web, image: nginx:1.27, ports: [{name: http, containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: {{ .Release.Name }}}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}-config}
data: {greeting: hello}
`,
}

// runImport installs importReleases releases with Helm (untimed), then
// times berth import helm --all -A, importRuns times, on the local cluster,
// and reports the median and that every import's dry run proved nothing
// changes. It imports every Helm release of the cluster: run it on a
// cluster that has none of its own.
func runImport(ctx context.Context, cfg config, out io.Writer) error {
	lc, err := clusterFor(cfg)
	if err != nil {
		return err
	}
	chart := filepath.Join(cfg.workDir, "import-chart")
	if err := writeFiles(chart, importChart); err != nil {
		return err
	}
	var walls []time.Duration
	for run := range importRuns {
		namespaces, err := seedHelmReleases(ctx, cfg, lc, chart, run)
		if err != nil {
			return err
		}
		wall, err := timeImport(ctx, cfg, lc)
		err = errors.Join(err, deleteNamespaceList(lc, namespaces))
		if err != nil {
			return err
		}
		walls = append(walls, wall)
	}
	slices.Sort(walls)
	fmt.Fprintf(out, "\n%s (%d namespaces, 3 objects each, installed by Helm 4 with server-side apply): "+
		"median %.2f s of %d runs (%s); every release's dry run proved the next apply changes nothing.\n",
		importScenario, importNamespaces, walls[len(walls)/2].Seconds(), len(walls), durations(walls))
	return nil
}

// seedHelmReleases installs the benchmark's releases with Helm, in
// parallel, and returns their namespaces.
func seedHelmReleases(ctx context.Context, cfg config, lc *localCluster, chart string, run int) ([]string, error) {
	var namespaces []string
	for n := range importNamespaces {
		ns := fmt.Sprintf("bench-import-%s-%d-%d", lc.suffix, run, n)
		if _, err := lc.client.CoreV1().Namespaces().Create(ctx,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create namespace %s: %w", ns, err)
		}
		namespaces = append(namespaces, ns)
	}
	jobs := make(chan int)
	errs := make(chan error, importReleases)
	var wg sync.WaitGroup
	for range importWorkers {
		wg.Go(func() {
			for i := range jobs {
				ns := namespaces[i%importNamespaces]
				cmd := exec.CommandContext(ctx, cfg.helm, "install", "web-"+strconv.Itoa(i), chart, "-n", ns, "--kubeconfig", lc.kubeconfig)
				if b, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("helm install web-%d: %w\n%s", i, err, b)
				}
			}
		})
	}
	for i := range importReleases {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return namespaces, <-errs
}

// timeImport runs berth import helm --all -A and checks its report.
func timeImport(ctx context.Context, cfg config, lc *localCluster) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, cfg.berth, "import", "helm", "--all", "-A", "-o", "json", "--kubeconfig", lc.kubeconfig)
	cmd.Stderr = os.Stderr
	start := time.Now()
	b, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("berth import helm --all -A: %w\n%s", err, b)
	}
	var results []struct {
		Objects []json.RawMessage `json:"objects"`
		Changes []json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(b, &results); err != nil {
		return 0, fmt.Errorf("read berth import's report: %w", err)
	}
	if len(results) != importReleases {
		return 0, fmt.Errorf("berth imported %d releases, want %d", len(results), importReleases)
	}
	for _, r := range results {
		if len(r.Objects) != 3 || len(r.Changes) != 0 {
			return 0, fmt.Errorf("a release was imported with %d objects and %d changes, want 3 and none", len(r.Objects), len(r.Changes))
		}
	}
	return wall, nil
}

func deleteNamespaceList(lc *localCluster, namespaces []string) error {
	var errs []error
	for _, ns := range namespaces {
		if err := lc.client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeFiles(dir string, files map[string]string) error {
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func durations(ds []time.Duration) string {
	var s string
	for i, d := range ds {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.2f s", d.Seconds())
	}
	return s
}
