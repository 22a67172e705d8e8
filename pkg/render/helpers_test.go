package render

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// newChart builds a chart from name/content pairs: names under templates/
// become templates, every other name a file.
func newChart(name string, files map[string]string) *chart.Chart {
	c := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: "0.1.0", AppVersion: "1.0"},
		Values:   map[string]any{},
	}
	for n, data := range files {
		f := &chart.File{Name: n, Data: []byte(data)}
		if strings.HasPrefix(n, "templates/") {
			c.Templates = append(c.Templates, f)
		} else {
			c.Files = append(c.Files, f)
		}
	}
	return c
}

// renderTemplates renders c with values and returns the output by
// template name.
func renderTemplates(t *testing.T, e *Engine, c *chart.Chart, values map[string]any) (map[string]string, error) {
	t.Helper()
	caps := DefaultCapabilities()
	kv, err := ParseKubeVersion("1.33.0")
	if err != nil {
		t.Fatal(err)
	}
	caps.KubeVersion = kv
	rel := ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true}
	return e.Render(c, TopValues(c, values, rel, caps))
}

// checkGolden compares got with testdata/golden/name, rewriting it with
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
