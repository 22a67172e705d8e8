package stack

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/berth-sh/berth/internal/jsonschemagen"
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
	return jsonschemagen.Generate(reflect.TypeOf(v), SchemaBaseURL+id, title)
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
