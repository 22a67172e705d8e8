package stack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// exampleEnv are the variables the examples use.
var exampleEnv = map[string]string{"SHOP_STAGING_CONTEXT": "stg", "SHOP_PROD_CONTEXT": "prod"}

// TestExamplesGolden parses every stack file of the docs (the ```yaml
// blocks of docs/stacks.md that are stacks) and examples/stack/berth.yaml,
// and compares what they decode to with testdata/golden (rewritten by
// -update).
func TestExamplesGolden(t *testing.T) {
	examples := map[string][]byte{}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "stacks.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(apiVersion: berth.sh/v1alpha1\nkind: Stack\n.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/stacks.md has no stack example")
	}
	for i, b := range blocks {
		examples["docs-stacks-"+strconv.Itoa(i+1)] = b[1]
	}
	shop, err := os.ReadFile(filepath.Join("..", "..", "examples", "stack", "berth.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	examples["examples-stack"] = shop
	for name, src := range examples {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(name+".yaml", src, LoadOptions{Getenv: func(k string) (string, bool) {
				v, ok := exampleEnv[k]
				return v, ok
			}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o600); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v: run go test ./pkg/stack -run TestExamplesGolden -update", err)
			}
			if string(want) != string(got) {
				t.Errorf("%s decodes differently from %s: run go test ./pkg/stack -run TestExamplesGolden -update and review the diff\n%s", name, path, got)
			}
		})
	}
}
