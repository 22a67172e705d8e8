package signing

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite docs/schema/"+SchemaFile)

var schemaPath = filepath.Join("..", "..", "docs", "schema", SchemaFile)

func TestPolicySchemaPublished(t *testing.T) {
	got, err := PolicySchema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaPath, got, 0o644); err != nil { //nolint:gosec // a published document
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/signing -run TestPolicySchemaPublished -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./pkg/signing -run TestPolicySchemaPublished -update", schemaPath)
	}
}

// policyExample finds the trust policies shown in docs/signing.md.
var policyExample = regexp.MustCompile("(?s)```yaml\n(apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\n.*?)```")

// TestDocumentedPolicies parses every trust policy docs/signing.md shows,
// and checks the published schema accepts each.
func TestDocumentedPolicies(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "signing.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := policyExample.FindAllSubmatch(doc, -1)
	if len(examples) < 2 {
		t.Fatalf("docs/signing.md shows %d trust policies, want at least 2", len(examples))
	}
	raw, err := PolicySchema()
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("trust-policy.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("trust-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range examples {
		text := m[1]
		if _, err := ParsePolicy("signing.md example", text); err != nil {
			t.Errorf("example %d: %v\n%s", i+1, err, text)
			continue
		}
		js, err := yaml.YAMLToJSON(text)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("example %d does not follow the schema: %v", i+1, err)
		}
	}
	if bad, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"apiVersion":"berth.sh/v1alpha1","kind":"TrustPolicy","rules":[{"scopes":["*"],"keyz":[]}]}`)); err != nil {
		t.Fatal(err)
	} else if sch.Validate(bad) == nil {
		t.Error("the schema accepts an unknown field")
	}
}
