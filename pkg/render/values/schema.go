package values

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/berth-sh/berth/pkg/chart"
)

// schemaURL is where a chart's values.schema.json is placed for the
// compiler, as Helm places it; relative $refs resolve against it.
const schemaURL = "file:///values.schema.json"

// SchemaError is returned by ValidateSchema when values break the schema of
// one or more charts. Its message is Helm's: each failing chart's name, then
// the validator's report with the JSON path of each violation.
type SchemaError struct {
	// Details are the per-chart reports, "chart:\n- at '/path': ...\n".
	Details string
}

func (e *SchemaError) Error() string {
	return "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
		strings.TrimSuffix(e.Details, "\n")
}

// ValidateSchema validates vals, the coalesced values of c, against
// values.schema.json of c and, with the values under their names, of each
// subchart (drafts 4 to 2020-12; 2020-12 without $schema). It returns a
// *SchemaError naming each failing chart and JSON path.
func ValidateSchema(c *chart.Chart, vals map[string]any, opts ...Option) error {
	cfg := newConfig(opts)
	var sb strings.Builder
	cfg.validateChart(&sb, c, vals)
	if sb.Len() > 0 {
		return &SchemaError{Details: sb.String()}
	}
	return nil
}

func (cfg *config) validateChart(sb *strings.Builder, c *chart.Chart, vals map[string]any) {
	if c.Schema != nil {
		if err := validateSingle(vals, c.Schema); err != nil {
			fmt.Fprintf(sb, "%s:\n%s", c.Name(), err.Error())
		}
	}
	for _, sub := range c.Dependencies() {
		raw, ok := vals[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		subVals, ok := raw.(map[string]any)
		if !ok {
			fmt.Fprintf(sb, "%s:\ninvalid type for values: expected object (map), got %T\n", sub.Name(), raw)
			continue
		}
		cfg.validateChart(sb, sub, subVals)
	}
}

// validateSingle validates values against one schema document. As in Helm,
// a validation report ends with a newline and other errors (a schema that
// does not parse or compile) do not.
func validateSingle(vals map[string]any, schemaJSON []byte) (err error) {
	defer func() {
		// The validator is third-party code; a bad schema must not crash us.
		if r := recover(); r != nil {
			err = fmt.Errorf("unable to validate schema: %v", r)
		}
	}()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return err
	}
	compiler := jsonschema.NewCompiler()
	compiler.UseLoader(jsonschema.SchemeURLLoader{
		"file":  jsonschema.FileLoader{},
		"http":  httpLoader{},
		"https": httpLoader{},
		"urn":   urnLoader{},
	})
	if err := compiler.AddResource(schemaURL, doc); err != nil {
		return err
	}
	schema, err := compiler.Compile(schemaURL)
	if err != nil {
		return err
	}
	if vals == nil {
		vals = map[string]any{}
	}
	if err := schema.Validate(vals); err != nil {
		return violationsError{strings.TrimPrefix(err.Error(), "jsonschema validation failed with '"+schemaURL+"#'\n")}
	}
	return nil
}

// violationsError is the validator's report of the violations, without its
// first line; Helm ends it with a newline to separate charts.
type violationsError struct {
	report string
}

func (e violationsError) Error() string { return e.report + "\n" }

// httpLoader fetches $refs to http(s) URLs, as Helm does.
type httpLoader struct{}

func (httpLoader) Load(url string) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("create HTTP request for %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("HTTP request failed for %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP request to %s returned status %d (%s)", url, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return jsonschema.UnmarshalJSON(resp.Body)
}

// urnLoader resolves urn: $refs to the permissive schema true, as Helm does
// when no resolver knows the URN.
type urnLoader struct{}

func (urnLoader) Load(string) (any, error) {
	return true, nil
}
