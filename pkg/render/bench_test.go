package render

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/berth-sh/berth/pkg/chart"
)

// corpusDir is the shared Helm-compatibility corpus; benchmarks fall back
// to testdata charts when it is absent.
const corpusDir = "/work/shared/corpus/charts"

// BenchmarkRenderCorpus loads and renders large real-world charts
// (kube-prometheus-stack and argo-cd from the shared corpus, or the
// testdata app chart without it), the work `berth template` does.
func BenchmarkRenderCorpus(b *testing.B) {
	dirs := map[string]string{
		"kube-prometheus-stack": filepath.Join(corpusDir, "kube-prometheus-stack"),
		"argo-cd":               filepath.Join(corpusDir, "argo-cd"),
	}
	for name, dir := range dirs {
		if _, err := os.Stat(dir); err != nil {
			delete(dirs, name)
		}
	}
	if dir, ok := dirs["kube-prometheus-stack"]; ok {
		dirs["kube-prometheus-stack"] = vendorKubePrometheusStack(b, dir)
	}
	if len(dirs) == 0 {
		dirs["app"] = filepath.Join("testdata", "charts", "app")
	}
	for name, dir := range dirs {
		b.Run(name, func(b *testing.B) { benchmarkRender(b, dir) })
	}
}

func benchmarkRender(b *testing.B, dir string) {
	b.Helper()
	caps := DefaultCapabilities()
	kv, err := ParseKubeVersion("1.33.0")
	if err != nil {
		b.Fatal(err)
	}
	caps.KubeVersion = kv
	opts := ChartOptions{Options: Options{
		Release:      ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true},
		Capabilities: caps,
	}}
	b.ReportAllocs()
	for b.Loop() {
		c, err := chart.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Chart(c, nil, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := Write(io.Discard, res, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// vendorKubePrometheusStack copies the corpus chart to a temporary
// directory, with its subcharts from the corpus where it does not vendor
// them itself, and drops the disabled prometheus-windows-exporter, as
// hack/bench does.
func vendorKubePrometheusStack(b *testing.B, src string) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "kube-prometheus-stack")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	for _, sub := range []string{"grafana", "kube-state-metrics", "prometheus-node-exporter"} {
		to := filepath.Join(dir, "charts", sub)
		if _, err := os.Stat(to); err == nil {
			continue
		}
		if err := os.CopyFS(to, os.DirFS(filepath.Join(corpusDir, sub))); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "charts", "prometheus-windows-exporter")); err != nil {
		b.Fatal(err)
	}
	chartYAML := filepath.Join(dir, "Chart.yaml")
	data, err := os.ReadFile(chartYAML)
	if err != nil {
		b.Fatal(err)
	}
	windows := regexp.MustCompile(`(?m)^  - name: prometheus-windows-exporter\n(    .*\n)+`)
	if err := os.WriteFile(chartYAML, windows.ReplaceAll(data, nil), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}
