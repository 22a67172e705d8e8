package render

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

// renderCase renders a testdata chart the way `berth template` does.
type renderCase struct {
	name        string
	chart       string
	values      map[string]any
	kubeVersion string
	apiVersions []string
	isUpgrade   bool
	write       WriteOptions
	patches     string
}

func (rc renderCase) run(t *testing.T) (*Result, error) {
	t.Helper()
	c, err := chart.Load(filepath.Join("testdata", "charts", rc.chart))
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	caps := DefaultCapabilities()
	kv := rc.kubeVersion
	if kv == "" {
		kv = "1.33.0"
	}
	if caps.KubeVersion, err = ParseKubeVersion(kv); err != nil {
		t.Fatal(err)
	}
	caps.APIVersions = append(caps.APIVersions, rc.apiVersions...)
	opts := ChartOptions{Options: Options{
		Release: ReleaseOptions{
			Name: "rel", Namespace: "ns", Revision: 1,
			IsInstall: !rc.isUpgrade, IsUpgrade: rc.isUpgrade,
		},
		Capabilities: caps,
	}}
	if rc.patches != "" {
		pf, err := ParsePatchFile("patches.yaml", []byte(rc.patches))
		if err != nil {
			t.Fatal(err)
		}
		opts.PostRender = pf.Apply
	}
	return Chart(c, rc.values, opts)
}

func TestRenderChartGolden(t *testing.T) {
	tests := []renderCase{
		{name: "app.yaml", chart: "app"},
		{name: "app-include-crds.yaml", chart: "app", write: WriteOptions{IncludeCRDs: true}},
		{name: "app-no-hooks.yaml", chart: "app", write: WriteOptions{NoHooks: true}},
		{name: "app-skip-tests.yaml", chart: "app", write: WriteOptions{SkipTests: true}},
		{
			name: "app-show-only.yaml", chart: "app",
			write: WriteOptions{ShowOnly: []string{"templates/service.yaml", "charts/db/templates/*"}},
		},
		{
			name: "app-db-disabled.yaml", chart: "app", values: map[string]any{"db": map[string]any{"enabled": false}},
			write: WriteOptions{IncludeCRDs: true},
		},
		{
			name: "app-upgrade-monitoring.yaml", chart: "app", kubeVersion: "v1.29.4-eks.1", isUpgrade: true,
			apiVersions: []string{"monitoring.coreos.com/v1/ServiceMonitor"},
			values:      map[string]any{"image": map[string]any{"tag": "2.0"}, "extraEnv": map[string]any{"B": "2", "A": "1"}},
		},
		{name: "app-patched.yaml", chart: "app", patches: `patches:
  - target: {kind: Deployment}
    patch:
      - {op: replace, path: /spec/replicas, value: 5}
  - target: {kind: Service, name: "rel-*"}
    patch: {metadata: {annotations: {patched: "yes"}}}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.run(t)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			var out strings.Builder
			if err := Write(&out, res, tt.write); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, out.String())
		})
	}
}

func TestRenderChartNotes(t *testing.T) {
	res, err := renderCase{chart: "app"}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("rel-app is installed in ns.\n", res.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	for name := range res.Files {
		if strings.HasSuffix(name, "NOTES.txt") {
			t.Errorf("%s is among the manifests", name)
		}
	}
}

func TestRenderChartErrors(t *testing.T) {
	tests := []struct {
		name    string
		rc      renderCase
		wantErr string
		wantIs  error
	}{
		{
			"kubeVersion constraint",
			renderCase{chart: "constrained"},
			"chart requires kubeVersion: <1.20.0 which is incompatible with Kubernetes v1.33.0", nil,
		},
		{
			"app needs a newer cluster",
			renderCase{chart: "app", kubeVersion: "1.24.0"},
			"chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.0", nil,
		},
		{"library chart", renderCase{chart: "library"}, "library charts are not installable", ErrLibraryChart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.rc.run(t)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error is not %v", tt.wantIs)
			}
		})
	}
}

func TestCheckDependencies(t *testing.T) {
	c := newChart("p", nil)
	c.Metadata.Dependencies = []*chart.Dependency{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	c.AddDependency(newChart("b", nil))
	err := CheckDependencies(c)
	want := "found in Chart.yaml, but missing in charts/ directory: a, c"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestRenderKeepsFilesOnYAMLError(t *testing.T) {
	c := newChart("c", map[string]string{"templates/bad.yaml": "a: [\n"})
	res, err := Render(c, nil, Options{Release: ReleaseOptions{Name: "r", Namespace: "n"}})
	var ye *YAMLError
	if !errors.As(err, &ye) {
		t.Fatalf("error = %v, want a YAML error", err)
	}
	if res == nil || res.Files["c/templates/bad.yaml"] != "a: [\n" {
		t.Errorf("result does not carry the rendered files: %+v", res)
	}
}

func TestWriteDir(t *testing.T) {
	res, err := renderCase{chart: "app"}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var progress strings.Builder
	if err := WriteDir(dir, "rel", res, WriteOptions{IncludeCRDs: true}, &progress); err != nil {
		t.Fatal(err)
	}
	crd, err := os.ReadFile(filepath.Join(dir, "app", "crds", "widgets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(crd), "---\n# Source: app/crds/widgets.yaml\napiVersion: apiextensions.k8s.io/v1\n") {
		t.Errorf("CRD file = %q", crd)
	}
	cm, err := os.ReadFile(filepath.Join(dir, "rel", "app", "templates", "configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(cm), "# Source: app/templates/configmap.yaml"); got != 2 {
		t.Errorf("configmap.yaml holds %d documents, want 2 appended:\n%s", got, cm)
	}
	hooks, err := os.ReadFile(filepath.Join(dir, "rel", "app", "templates", "hooks.yaml"))
	if err != nil || strings.Count(string(hooks), "---\n") != 2 {
		t.Errorf("hooks.yaml = %q, %v", hooks, err)
	}
	if !strings.Contains(progress.String(), "wrote "+filepath.Join(dir, "rel", "app", "templates", "service.yaml")) {
		t.Errorf("progress = %q", progress.String())
	}
}

func TestShowOnlyMissingTemplate(t *testing.T) {
	res, err := renderCase{chart: "app"}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	err = Write(&strings.Builder{}, res, WriteOptions{ShowOnly: []string{"templates/nope.yaml"}})
	if err == nil || err.Error() != "could not find template templates/nope.yaml in chart" {
		t.Errorf("error = %v", err)
	}
}

func BenchmarkRenderChart(b *testing.B) {
	caps := DefaultCapabilities()
	opts := ChartOptions{Options: Options{
		Release:      ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true},
		Capabilities: caps,
	}}
	for b.Loop() {
		c, err := chart.Load(filepath.Join("testdata", "charts", "app"))
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
