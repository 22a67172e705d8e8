package values

import (
	"bytes"
	"fmt"
	"log/slog"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// newChart builds a chart with version 1.0.0, the given values (YAML) and
// subcharts. Test charts are literals, so bad YAML is a bug in the test and
// panics, which keeps chart builders in test tables free of *testing.T.
func newChart(name, valuesYAML string, deps ...*chart.Chart) *chart.Chart {
	c := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: name, Version: "1.0.0"},
		Values:   parseYAML(valuesYAML),
	}
	c.SetDependencies(deps...)
	return c
}

// withDeps sets the dependencies of c's Chart.yaml, given as YAML.
func withDeps(c *chart.Chart, depsYAML string) *chart.Chart {
	if err := yaml.Unmarshal([]byte(depsYAML), &c.Metadata.Dependencies); err != nil {
		panic(fmt.Sprintf("parse dependencies: %v", err))
	}
	return c
}

// parseYAML parses literal test values; bad YAML panics (see newChart).
func parseYAML(s string) map[string]any {
	out := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		panic(fmt.Sprintf("parse YAML: %v\n%s", err, s))
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
