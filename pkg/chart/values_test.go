package chart

import (
	"fmt"
	"os"
	"path/filepath"
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

// A last line without a newline must keep its value even when it ends
// exactly at the end of the YAML reader's 4096-byte buffer (Helm issue
// 32506), in a chart's values.yaml as in any values file.
func TestParseValuesLastLineWithoutNewline(t *testing.T) {
	for _, size := range []int{5, 4095, 4096, 4097, 8192} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			pad := strings.Repeat("x", size-len("b: "))
			got, err := ParseValues([]byte("a: 1\n---\nb: " + pad))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"a": float64(1), "b": pad}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadValuesLastLineWithoutNewline(t *testing.T) {
	// "b: xxx..." is 8192 bytes long, the file has no final newline.
	raw := "a: 1\nb: " + strings.Repeat("x", 8192-len("b: "))
	dir := filepath.Join(t.TempDir(), "c")
	for name, data := range map[string]string{
		ChartfileName:  "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		ValuesfileName: raw,
	} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	archive := filepath.Join(t.TempDir(), "c-0.1.0.tgz")
	if err := os.WriteFile(archive, buildArchive(t,
		regular("c/"+ChartfileName, "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
		regular("c/"+ValuesfileName, raw)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, archive} {
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := c.Values["b"].(string); !ok || len(got) != 8192-len("b: ") {
			t.Errorf("%s: values.yaml's last line was lost: b = %.20q", path, c.Values["b"])
		}
		if string(c.RawValues) != raw {
			t.Errorf("%s: RawValues changed: %d bytes, want the %d bytes of the file", path, len(c.RawValues), len(raw))
		}
	}
}
