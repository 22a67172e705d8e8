package values

import (
	"bytes"
	"log/slog"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// newChart builds a chart with version 1.0.0, the given values (YAML) and
// subcharts.
func newChart(t *testing.T, name, valuesYAML string, deps ...*chart.Chart) *chart.Chart {
	t.Helper()
	c := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: "1.0.0"},
		Values:   parseYAML(t, valuesYAML),
	}
	c.SetDependencies(deps...)
	return c
}

// withDeps sets the dependencies of c's Chart.yaml, given as YAML.
func withDeps(t *testing.T, c *chart.Chart, depsYAML string) *chart.Chart {
	t.Helper()
	if err := yaml.Unmarshal([]byte(depsYAML), &c.Metadata.Dependencies); err != nil {
		t.Fatalf("parse dependencies: %v", err)
	}
	return c
}

func parseYAML(t *testing.T, s string) map[string]any {
	t.Helper()
	out := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("parse YAML: %v\n%s", err, s)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// logBuffer returns an option that logs to a buffer, and the buffer.
func logBuffer() (Option, *bytes.Buffer) {
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	return WithLogger(slog.New(h)), &buf
}

func depNames(c *chart.Chart) []string {
	var names []string
	for _, d := range c.Dependencies() {
		names = append(names, d.Name())
	}
	return names
}
