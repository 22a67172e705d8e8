package lint

import (
	"errors"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render/values"
)

// values checks values.yaml: INFO when absent, ERROR when the top-level
// values (user values over values.yaml) break values.schema.json. As in
// Helm, subcharts' schemas are left to the template rule.
func (l *linter) values(c *chart.Chart, opts Options) {
	const file = chart.ValuesfileName
	if !hasRawFile(c, file) {
		l.check(SeverityInfo, file, errors.New("file does not exist"))
		return
	}
	if opts.SkipSchemaValidation || len(c.Schema) == 0 {
		return
	}
	top := &chart.Chart{Metadata: c.Metadata, Schema: c.Schema}
	err := values.ValidateSchema(top, values.MergeMaps(c.Values, opts.Values))
	var serr *values.SchemaError
	if errors.As(err, &serr) {
		// Drop the "chart:" line: there is only the one chart.
		_, report, _ := strings.Cut(serr.Details, "\n")
		err = errors.New(strings.TrimSuffix(report, "\n"))
	}
	if err != nil {
		l.check(SeverityError, file, err)
	}
}

// hasRawFile reports whether the chart was loaded with a file at name.
func hasRawFile(c *chart.Chart, name string) bool {
	for _, f := range c.Raw {
		if f.Name == name {
			return true
		}
	}
	return false
}
