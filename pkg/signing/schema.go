package signing

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// SchemaFile is the name of the trust policy's published JSON schema, in
// docs/schema; a test keeps it equal to PolicySchema.
const SchemaFile = "trust-policy-v1alpha1.json"

// PolicySchema returns the JSON schema (draft 2020-12) of the trust policy
// file, generated from the Policy type: field names from the json tags,
// required fields (jsonschema:"required"), const and enum values and
// descriptions (doc) from the other tags, and no other properties.
func PolicySchema() ([]byte, error) {
	s := schemaOf(reflect.TypeFor[Policy]())
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://berth.sh/schema/" + SchemaFile
	s["title"] = "berth trust policy, berth.sh/v1alpha1 TrustPolicy"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode trust policy schema: %w", err)
	}
	return append(out, '\n'), nil
}

func schemaOf(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.Struct:
		return structSchema(t)
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	}
	return map[string]any{}
}

func structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		p := schemaOf(f.Type)
		if c := f.Tag.Get("const"); c != "" {
			p["const"] = c
		}
		if e := f.Tag.Get("enum"); e != "" {
			p["enum"] = strings.Split(e, "|")
		}
		if d := f.Tag.Get("doc"); d != "" {
			p["description"] = d
		}
		props[name] = p
		if f.Tag.Get("jsonschema") == "required" {
			required = append(required, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}
