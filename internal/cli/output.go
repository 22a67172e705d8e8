package cli

import (
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/internal/cli/output"
)

// Output formats of -o.
const (
	OutputTable = output.Table
	OutputJSON  = output.JSON
	OutputYAML  = output.YAML
)

var outputFormats = output.Formats

// outputFlags is the -o/--output flag group of commands that report.
type outputFlags struct {
	Format string
}

// AddFlags adds -o/--output to fs.
func (o *outputFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Format, "output", "o", OutputTable,
		"output format: "+strings.Join(outputFormats, "|"))
}

// Validate checks the format is one berth knows.
func (o *outputFlags) Validate() error {
	if !slices.Contains(outputFormats, o.Format) {
		return usageErrorf("invalid --output %q: use one of %s", o.Format, strings.Join(outputFormats, ", "))
	}
	return nil
}

// Print writes v as JSON or YAML, or calls table for the table format.
// v should be a struct with json tags: that is berth's documented output.
func (o *outputFlags) Print(w io.Writer, v any, table func(io.Writer) error) error {
	return output.Write(w, o.Format, v, table)
}
