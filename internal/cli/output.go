package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// Output formats of -o.
const (
	OutputTable = "table"
	OutputJSON  = "json"
	OutputYAML  = "yaml"
)

var outputFormats = []string{OutputTable, OutputJSON, OutputYAML}

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
	switch o.Format {
	case OutputJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		// Output is data for programs and people, not HTML: "a <b@c>" as is.
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	case OutputYAML:
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode YAML output: %w", err)
		}
		_, err = w.Write(b)
		return err
	default:
		return table(w)
	}
}
