package stack

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaBaseURL is where berth's schemas are published: docs/schema in
// berth's repository, one file per kind and version.
const SchemaBaseURL = "https://berth.sh/schema/"

// Schema returns the JSON schema (draft 2020-12) of the file type v
// (Stack, Lock or Plan), generated from its Go type: field names from the
// json tags, required fields, constraints and descriptions from the tags
// described in types.go, and no other properties allowed. docs/schema holds
// the published copies; a test keeps them equal to this.
func Schema(v any, id, title string) ([]byte, error) {
	s := schemaOf(reflect.TypeOf(v))
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaBaseURL + id
	s["title"] = title
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema %s: %w", id, err)
	}
	return append(out, '\n'), nil
}

// SchemaFiles are the published schemas: file name in docs/schema to the
// type and title.
var SchemaFiles = map[string]struct {
	Type  any
	Title string
}{
	"stack-v1alpha1.json":      {Stack{}, "berth stack file (berth.yaml), berth.sh/v1alpha1 Stack"},
	"stack-lock-v1alpha1.json": {Lock{}, "berth stack lock file (berth.lock), berth.sh/v1alpha1 StackLock"},
	"stack-plan-v1alpha1.json": {Plan{}, "berth stack plan (berth stack plan --out), berth.sh/v1alpha1 StackPlan"},
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

// compiled caches the compiled schemas by file name.
var compiled sync.Map

// compiledSchema returns the compiled schema of the published file name.
func compiledSchema(name string) (*jsonschema.Schema, error) {
	if s, ok := compiled.Load(name); ok {
		return s.(*jsonschema.Schema), nil //nolint:forcetypeassert // only *jsonschema.Schema is stored
	}
	f, ok := SchemaFiles[name]
	if !ok {
		return nil, fmt.Errorf("no schema %s", name)
	}
	raw, err := Schema(f.Type, name, f.Title)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	url := SchemaBaseURL + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	compiled.Store(name, s)
	return s, nil
}
