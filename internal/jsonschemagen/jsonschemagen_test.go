package jsonschemagen

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type inner struct {
	Flag bool `json:"flag"`
}

type sample struct {
	Kind    string            `json:"kind" const:"Sample" jsonschema:"required"`
	Mode    string            `json:"mode,omitempty" enum:"a|b" doc:"How."`
	Name    string            `json:"name" pattern:"^[a-z]+$" maxLength:"8"`
	Count   int               `json:"count"`
	Labels  map[string]string `json:"labels"`
	Free    map[string]any    `json:"free"`
	Items   []inner           `json:"items"`
	Ptr     *inner            `json:"ptr"`
	Raw     json.RawMessage   `json:"raw"`
	Skipped string            `json:"-"`
}

func TestGenerate(t *testing.T) {
	out, err := Generate(reflect.TypeFor[sample](), "https://example/s.json", "a sample")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	innerSchema := map[string]any{
		"type": "object", "additionalProperties": false,
		"properties": map[string]any{"flag": map[string]any{"type": "boolean"}},
	}
	want := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example/s.json", "title": "a sample",
		"type": "object", "additionalProperties": false, "required": []any{"kind"},
		"properties": map[string]any{
			"kind":   map[string]any{"type": "string", "const": "Sample"},
			"mode":   map[string]any{"type": "string", "enum": []any{"a", "b"}, "description": "How."},
			"name":   map[string]any{"type": "string", "pattern": "^[a-z]+$", "maxLength": 8.0},
			"count":  map[string]any{"type": "integer"},
			"labels": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			"free":   map[string]any{"type": "object"},
			"items":  map[string]any{"type": "array", "items": innerSchema},
			"ptr":    innerSchema,
			"raw":    map[string]any{"description": "A JSON value, kept as written."},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	if out[len(out)-1] != '\n' {
		t.Error("schema does not end in a newline")
	}
}
