// Package jsonschemagen writes the JSON schemas (draft 2020-12) of berth's
// file formats from their Go types, so that the published schemas in
// docs/schema and the types the files are read into cannot disagree.
//
// Field names come from the json tags; a field tagged jsonschema:"required"
// is required; const, enum (values separated by "|"), pattern, maxLength
// and doc (the description) tags become the constraints of the same
// names. Structs allow no other properties; maps of a concrete type
// constrain their values; interfaces and json.RawMessage take anything.
package jsonschemagen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Generate returns the indented schema of t with the given $id and title,
// ending in a newline.
func Generate(t reflect.Type, id, title string) ([]byte, error) {
	s := schemaOf(t)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = id
	s["title"] = title
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema %s: %w", id, err)
	}
	return append(out, '\n'), nil
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

func schemaOf(t reflect.Type) map[string]any {
	if t == rawMessage {
		return map[string]any{"description": "A JSON value, kept as written."}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.Struct:
		return structSchema(t)
	case reflect.Map:
		s := map[string]any{"type": "object"}
		if t.Elem().Kind() != reflect.Interface {
			s["additionalProperties"] = schemaOf(t.Elem())
		}
		return s
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	}
	// Interfaces (free-form values) take anything.
	return map[string]any{}
}

func structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		p := schemaOf(f.Type)
		if c := f.Tag.Get("const"); c != "" {
			p["const"] = c
		}
		if e := f.Tag.Get("enum"); e != "" {
			p["enum"] = strings.Split(e, "|")
		}
		if pat := f.Tag.Get("pattern"); pat != "" {
			p["pattern"] = pat
		}
		if n, err := strconv.Atoi(f.Tag.Get("maxLength")); err == nil {
			p["maxLength"] = n
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
