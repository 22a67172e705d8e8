// Package output writes what berth's commands report in the format -o
// asks for: a table, or JSON or YAML of the command's documented struct.
// The command families (release commands, stack, migrate) share it.
package output

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// Formats of -o.
const (
	Table = "table"
	JSON  = "json"
	YAML  = "yaml"
)

// Formats are the formats -o takes.
var Formats = []string{Table, JSON, YAML}

// Write writes v as JSON or YAML when format says so, or calls table. v
// should be a struct with json tags: that is berth's documented output.
func Write(w io.Writer, format string, v any, table func(io.Writer) error) error {
	switch format {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		// Output is data for programs and people, not HTML: "a <b@c>" as is.
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	case YAML:
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
