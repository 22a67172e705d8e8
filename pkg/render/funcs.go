package render

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
	goyaml "sigs.k8s.io/yaml/goyaml.v3"
)

// LookupFunc is the template function lookup: it returns the object
// apiVersion/kind namespace/name from the cluster, or, with an empty name,
// a list of every such object, as unstructured content. Offline it returns
// an empty map, as `helm template` does.
type LookupFunc func(apiVersion, kind, namespace, name string) (map[string]any, error)

// offlineLookup is lookup without a cluster.
func offlineLookup(string, string, string, string) (map[string]any, error) {
	return map[string]any{}, nil
}

// baseFuncs returns sprig's text functions without the ones that read the
// environment, plus Helm's serialisation functions. include, tpl, required,
// fail and lookup are bound per render by the engine.
func baseFuncs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	// DNS lookups make output depend on the network; Helm disables them
	// unless asked.
	f["getHostByName"] = func(string) string { return "" }
	maps.Copy(f, template.FuncMap{
		"toToml":        toTOML,
		"mustToToml":    mustToTOML,
		"fromToml":      fromTOML,
		"toYaml":        toYAML,
		"mustToYaml":    mustToYAML,
		"toYamlPretty":  toYAMLPretty,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    mustToJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"lookup":        offlineLookup,
	})
	maps.Copy(f, durationFuncs())
	return f
}

// toYAML marshals v as YAML without the final newline; errors render as
// the empty string, as in Helm.
func toYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

// mustToYAML is toYAML that fails the render on error.
func mustToYAML(v any) (string, error) {
	data, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

// toYAMLPretty marshals v as YAML with lists indented under their key.
func toYAMLPretty(v any) string {
	s, err := marshalYAMLIndented(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(s, "\n")
}

// fromYAML parses a YAML mapping; a parse error is returned in the map
// under "Error", so templates can test for it.
func fromYAML(str string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromYAMLArray parses a YAML sequence; on error the result is a one-item
// list holding the error message.
func fromYAMLArray(str string) []any {
	a := []any{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

// toTOML encodes v as TOML; an error renders as its message, as in Helm.
func toTOML(v any) string {
	s, err := mustToTOML(v)
	if err != nil {
		return err.Error()
	}
	return s
}

// mustToTOML is toTOML that fails the render on error.
func mustToTOML(v any) (string, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// fromTOML parses a TOML document; errors go under "Error".
func fromTOML(str string) map[string]any {
	m := map[string]any{}
	if err := toml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// toJSON marshals v as compact JSON; errors render as the empty string.
func toJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

// mustToJSON is toJSON that fails the render on error.
func mustToJSON(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// fromJSON parses a JSON object; errors go under "Error".
func fromJSON(str string) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromJSONArray parses a JSON array; on error the result is a one-item
// list holding the error message.
func fromJSONArray(str string) []any {
	a := []any{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

// marshalYAMLIndented encodes v with a two-space indent that also indents
// list items under their key.
func marshalYAMLIndented(v any) (string, error) {
	var data bytes.Buffer
	enc := goyaml.NewEncoder(&data)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return data.String(), nil
}
