package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/render/values"
)

// valuesFlags is the flag group of every command that takes values
// (template, install, upgrade): -f, --set, --set-string, --set-json,
// --set-file and --set-literal, with Helm's names, shorthand and help.
type valuesFlags struct {
	values.Options
}

// AddFlags adds the values flags to fs.
func (v *valuesFlags) AddFlags(fs *pflag.FlagSet) {
	// A string slice, as in Helm: "-f a.yaml,b.yaml" names two files.
	fs.StringSliceVarP(&v.ValueFiles, "values", "f", nil,
		"specify values in a YAML file or a URL (can specify multiple)")
	fs.StringArrayVar(&v.Values, "set", nil,
		"set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)")
	fs.StringArrayVar(&v.StringValues, "set-string", nil,
		"set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)")
	fs.StringArrayVar(&v.JSONValues, "set-json", nil,
		`set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2 or using json format: {"key1": jsonval1, "key2": "jsonval2"})`)
	fs.StringArrayVar(&v.FileValues, "set-file", nil,
		"set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)")
	fs.StringArrayVar(&v.LiteralValues, "set-literal", nil,
		"set a literal STRING value on the command line")
}

// userValues reads the values the flags give, in Helm's precedence; stdin
// serves "-f -" and "--set-file key=-".
func (v *valuesFlags) userValues(stdin io.Reader) (map[string]any, error) {
	vals, err := v.Merge(stdin)
	if err != nil {
		return nil, fmt.Errorf("read values: %w", err)
	}
	return vals, nil
}
