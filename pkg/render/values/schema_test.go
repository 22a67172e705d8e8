package values

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

const personSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string"},
    "image": {
      "type": "object",
      "properties": {"tag": {"type": "string"}, "replicas": {"type": "integer", "minimum": 1}}
    }
  }
}`

func schemaChart(subSchema string) *chart.Chart {
	sub := newChart("sub", "port: 80")
	if subSchema != "" {
		sub.Schema = []byte(subSchema)
	}
	c := newChart("app", "", sub)
	c.Schema = []byte(personSchema)
	return c
}

func TestValidateSchema(t *testing.T) {
	portSchema := `{"type": "object", "properties": {"port": {"type": "integer", "maximum": 1024}}, "required": ["port"]}`
	tests := []struct {
		name    string
		chart   func() *chart.Chart
		vals    string
		goVals  map[string]any // used instead of vals when set
		wantErr string
	}{
		{
			name:  "valid",
			chart: func() *chart.Chart { return schemaChart(portSchema) },
			vals:  "name: x\nimage: {tag: v1, replicas: 2}\nsub: {port: 80}",
		},
		{
			name:  "missing required property",
			chart: func() *chart.Chart { return schemaChart("") },
			vals:  "image: {tag: v1}",
			wantErr: "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"app:\n- at '': missing property 'name'",
		},
		{
			name:  "nested path named",
			chart: func() *chart.Chart { return schemaChart("") },
			vals:  "name: x\nimage: {tag: v1, replicas: 0}",
			wantErr: "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"app:\n- at '/image/replicas': minimum: got 0, want 1",
		},
		{
			name:  "root and subchart both fail",
			chart: func() *chart.Chart { return schemaChart(portSchema) },
			vals:  "sub: {port: 8080}",
			wantErr: "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"app:\n- at '': missing property 'name'\n" +
				"sub:\n- at '/port': maximum: got 8,080, want 1,024",
		},
		{
			name:  "a float from YAML counts as an integer",
			chart: func() *chart.Chart { return schemaChart(portSchema) },
			vals:  "name: x\nsub: {port: 443.0}",
		},
		{
			name:   "an int64 from --set counts as an integer",
			chart:  func() *chart.Chart { return schemaChart(portSchema) },
			goVals: map[string]any{"name": "x", "sub": map[string]any{"port": int64(443)}},
		},
		{
			name:  "subchart values that are not a map",
			chart: func() *chart.Chart { return schemaChart(portSchema) },
			vals:  "name: x\nsub: [1]",
			wantErr: "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"sub:\ninvalid type for values: expected object (map), got []interface {}",
		},
		{
			name:  "subchart without values is not validated",
			chart: func() *chart.Chart { return schemaChart(portSchema) },
			vals:  "name: x",
		},
		{
			name: "draft 4 schema",
			chart: func() *chart.Chart {
				c := newChart("app", "")
				c.Schema = []byte(`{"$schema": "http://json-schema.org/draft-04/schema#", "properties": {"num": {"type": "number", "maximum": 5, "exclusiveMaximum": true}}}`)
				return c
			},
			vals: "num: 5",
			wantErr: "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"app:\n- at '/num': exclusiveMaximum: got 5, want 5",
		},
		{
			name: "invalid schema JSON",
			chart: func() *chart.Chart {
				c := newChart("app", "")
				c.Schema = []byte(`{"type": `)
				return c
			},
			wantErr: "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"app:\nunexpected EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.chart()
			vals := tt.goVals
			if vals == nil {
				vals = parseYAML(tt.vals)
			}
			err := ValidateSchema(c, vals)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var schemaErr *SchemaError
			if !errors.As(err, &schemaErr) {
				t.Fatalf("error = %v, want a *SchemaError", err)
			}
			if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
