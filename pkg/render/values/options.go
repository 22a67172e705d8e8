package values

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/berth-sh/berth/pkg/chart"
)

// Options are the values flags of install/upgrade/template.
type Options struct {
	ValueFiles    []string // -f/--values, repeatable; "-" reads stdin, URLs are fetched
	Values        []string // --set
	StringValues  []string // --set-string
	JSONValues    []string // --set-json
	FileValues    []string // --set-file
	LiteralValues []string // --set-literal
}

// Merge returns the user-supplied values the way Helm's MergeValues does,
// from lowest to highest precedence: the -f files in order, then --set-json,
// --set, --set-string, --set-file and --set-literal, each in the order given.
// A file named "-" (for -f or --set-file) is read from stdin, an http or
// https URL is downloaded.
func (o *Options) Merge(stdin io.Reader) (map[string]any, error) {
	readFile := func(path string) ([]byte, error) { return readSource(path, stdin) }
	base := map[string]any{}
	for _, path := range o.ValueFiles {
		data, err := readFile(path)
		if err != nil {
			return nil, fmt.Errorf("read values file: %w", err)
		}
		vals, err := ReadValues(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", path, err)
		}
		base = MergeMaps(base, vals)
	}
	for _, s := range o.JSONValues {
		var err error
		if base, err = mergeSetJSON(base, s); err != nil {
			return nil, err
		}
	}
	steps := []struct {
		flag  string
		lines []string
		parse func(string, map[string]any) error
	}{
		{"--set", o.Values, ParseSet},
		{"--set-string", o.StringValues, ParseSetString},
		{"--set-file", o.FileValues, func(s string, dest map[string]any) error { return ParseSetFile(s, dest, readFile) }},
		{"--set-literal", o.LiteralValues, ParseSetLiteral},
	}
	for _, step := range steps {
		for _, s := range step.lines {
			if err := step.parse(s, base); err != nil {
				return nil, fmt.Errorf("failed parsing %s data: %w", step.flag, err)
			}
		}
	}
	return base, nil
}

// readSource reads a -f or --set-file source as Helm does: "-" is stdin,
// http and https URLs are fetched, anything else is a local path.
func readSource(path string, stdin io.Reader) ([]byte, error) {
	if strings.TrimSpace(path) == "-" {
		if stdin == nil {
			return nil, errors.New("read stdin: no standard input")
		}
		return io.ReadAll(stdin)
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return fetch(path)
	}
	return os.ReadFile(path)
}

// fetchTimeout bounds the download of a values file given by URL.
const fetchTimeout = 2 * time.Minute

func fetch(rawURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("failed to fetch %s : %s", rawURL, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// mergeSetJSON applies one --set-json: a whole JSON object ("{...}") is
// merged like a values file; anything else is a key=json line.
func mergeSetJSON(base map[string]any, s string) (map[string]any, error) {
	trimmed := strings.TrimSpace(s)
	if strings.HasPrefix(trimmed, "{") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(trimmed), &obj); err != nil {
			return nil, fmt.Errorf("failed parsing --set-json data JSON: %s: %w", s, err)
		}
		return MergeMaps(base, obj), nil
	}
	if err := ParseSetJSON(s, base); err != nil {
		return nil, fmt.Errorf("failed parsing --set-json data %s: %w", s, err)
	}
	return base, nil
}

// ReadValues parses a values file with chart.ParseValues, the parser of a
// chart's values.yaml: several YAML documents separated by "---" are merged
// in order, numbers become float64, as with sigs.k8s.io/yaml in Helm.
func ReadValues(r io.Reader) (map[string]any, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return chart.ParseValues(data)
}

// MergeMaps returns a new map with b merged over a: maps present in both are
// merged recursively, any other value of b replaces a's, null included. This
// is how Helm merges -f files, unlike coalescing where null deletes.
func MergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	maps.Copy(out, a)
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = MergeMaps(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
