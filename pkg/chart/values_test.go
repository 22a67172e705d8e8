package chart

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
		err  string
	}{
		{"empty", "", map[string]any{}, ""},
		{"comments only", "# nothing\n", map[string]any{}, ""},
		{"types", "i: 1\nf: 1.5\nbig: 1000000\nb: yes\no: off\ns: '1'\nnothing: null\n", map[string]any{
			"i": float64(1), "f": 1.5, "big": float64(1000000), "b": true, "o": false, "s": "1", "nothing": nil,
		}, ""},
		{"documents merged", "a: {x: 1, z: 2}\nl: [1]\n---\na: {z: 3}\nl: [2]\n---\n", map[string]any{
			"a": map[string]any{"x": float64(1), "z": float64(3)}, "l": []any{float64(2)},
		}, ""},
		// YAML 1.1, as in Helm: a key y is the boolean true.
		{"y is true", "y: 1\n", map[string]any{"true": float64(1)}, ""},
		{"leading separator", "---\na: 1\n", map[string]any{"a": float64(1)}, ""},
		{"not a map", "- a\n", nil, "YAML document 1: error unmarshaling JSON"},
		{"bad second document", "a: 1\n---\nb: [\n", nil, "YAML document 2: error converting YAML to JSON: yaml: line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseValues([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseValues() error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
