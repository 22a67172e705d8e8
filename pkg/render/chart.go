package render

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render/values"
)

// ChartOptions are Options plus the steps that turn user values into the
// values templates see.
type ChartOptions struct {
	Options
	// SkipSchemaValidation skips values.schema.json checks.
	SkipSchemaValidation bool
	// Logger receives warnings about values (nil discards them).
	Logger *slog.Logger
}

// Chart is Helm's whole rendering flow for install and template:
// check that dependencies are vendored, apply conditions, tags, aliases and
// import-values, coalesce user values with the charts' defaults, validate
// them against the schemas, then Render. user are the values from -f and
// --set; c is changed (disabled subcharts are removed).
func Chart(c *chart.Chart, user map[string]any, opts ChartOptions) (*Result, error) {
	if err := CheckDependencies(c); err != nil {
		return nil, err
	}
	pre := startPreparse(c)
	defer pre.close()
	if user == nil {
		user = map[string]any{}
	}
	var vopts []values.Option
	if opts.Logger != nil {
		vopts = append(vopts, values.WithLogger(opts.Logger))
	}
	if err := values.ProcessDependencies(c, user, vopts...); err != nil {
		return nil, fmt.Errorf("process dependencies: %w", err)
	}
	vals, err := values.Coalesce(c, user, vopts...)
	if err != nil {
		return nil, fmt.Errorf("coalesce values: %w", err)
	}
	if !opts.SkipSchemaValidation {
		if err := values.ValidateSchema(c, vals, vopts...); err != nil {
			return nil, err
		}
	}
	return render(c, vals, opts.Options, pre)
}

// CheckDependencies returns an error naming the dependencies listed in
// Chart.yaml that are not in charts/.
func CheckDependencies(c *chart.Chart) error {
	if c.Metadata == nil || len(c.Metadata.Dependencies) == 0 {
		return nil
	}
	have := map[string]bool{}
	for _, d := range c.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, d := range c.Metadata.Dependencies {
		if !have[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(missing, ", "))
	}
	return nil
}
