package stack

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/schema from the Go types")

// TestSchemaPublished keeps docs/schema equal to the schemas generated
// from the types: go test ./pkg/stack -run TestSchemaPublished -update
// rewrites them.
func TestSchemaPublished(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "schema")
	for name, f := range SchemaFiles {
		want, err := Schema(f.Type, name, f.Title)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil { //nolint:gosec // published docs
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: run go test ./pkg/stack -run TestSchemaPublished -update", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run go test ./pkg/stack -run TestSchemaPublished -update", path)
		}
	}
}

// TestSchemaCompiles checks every published schema compiles.
func TestSchemaCompiles(t *testing.T) {
	for name := range SchemaFiles {
		if _, err := compiledSchema(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
