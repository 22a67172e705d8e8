package chart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart/plainyaml"
)

// ParseValues parses a values file as Helm 4 does: one or more YAML
// documents, each a map, merged in order (maps deeply, anything else
// replaced by the later document). Numbers become float64 and YAML 1.1
// booleans (yes, off, ...) are booleans, as with sigs.k8s.io/yaml. It is
// the one parser of values files: a chart's values.yaml and -f files alike.
func ParseValues(data []byte) (map[string]any, error) {
	// The document reader drops a last line without a newline when the
	// line ends exactly at the end of its 4096-byte buffer (Helm issue
	// 32506); Helm's loader adds the newline, and so do we.
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data[:len(data):len(data)], '\n')
	}
	if !hasDocSeparator(data) {
		// One document: what the document reader would return is data.
		values, err := parseValuesDoc(data)
		if err != nil {
			return nil, fmt.Errorf("YAML document 1: %w", err)
		}
		return values, nil
	}
	values := map[string]any{}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return values, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read YAML document %d: %w", doc, err)
		}
		current, err := parseValuesDoc(raw)
		if err != nil {
			return nil, fmt.Errorf("YAML document %d: %w", doc, err)
		}
		values = mergeValueDocs(values, current)
	}
}

// parseValuesDoc parses one document of a values file into a map:
// plainyaml's decoder for the plain YAML values files are written in,
// sigs.k8s.io/yaml for the rest (and for every error).
func parseValuesDoc(raw []byte) (map[string]any, error) {
	if v, ok := plainyaml.Decode(string(raw)); ok {
		switch v := v.(type) {
		case nil: // an empty document leaves the map empty
			return map[string]any{}, nil
		case map[string]any:
			return v, nil
		}
	}
	current := map[string]any{}
	if err := yaml.Unmarshal(raw, &current); err != nil {
		return nil, err
	}
	return current, nil
}

// hasDocSeparator reports whether a line of data starts with "---", where
// the document reader may split it.
func hasDocSeparator(data []byte) bool {
	return bytes.HasPrefix(data, []byte("---")) || bytes.Contains(data, []byte("\n---"))
}

// mergeValueDocs merges b over a: maps present in both are merged, any
// other value of b replaces a's.
func mergeValueDocs(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValueDocs(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
