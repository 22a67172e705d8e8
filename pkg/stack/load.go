package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// DefaultFile is the stack file berth reads when -f is not given.
const DefaultFile = "berth.yaml"

// maxFileSize bounds a stack, lock or plan file.
const maxFileSize = 16 << 20

// ErrInvalid is matched by every *Error: a file that does not follow its
// format.
var ErrInvalid = errors.New("invalid stack file")

// Error lists what is wrong with a file, one problem a line, each starting
// with file:line:col and the field at fault.
type Error struct {
	File     string
	Problems []string
}

// Error returns the problems, one a line.
func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0]
	}
	return fmt.Sprintf("%s: %d problems:\n  %s", e.File, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// LoadOptions tune Load.
type LoadOptions struct {
	// Getenv looks up the variables of ${VAR}; nil is os.LookupEnv.
	Getenv func(string) (string, bool)
}

// Load reads the stack file at path: ${VAR} substituted in the fields
// SubstitutedFields lists, checked against the stack schema (unknown
// fields, wrong types and missing fields are errors naming the file, line
// and field), then checked as a whole (unique release names, needs that
// name releases of the stack, environments that exist, no cycle in needs,
// durations that parse). Errors match ErrInvalid.
func Load(path string, opts LoadOptions) (*Stack, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // the user names the file
	if err != nil {
		return nil, fmt.Errorf("read stack file: %w", err)
	}
	defer f.Close() //nolint:errcheck // read only
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(&limitedReader{f: f, left: maxFileSize + 1}); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if buf.Len() > maxFileSize {
		return nil, fmt.Errorf("read %s: larger than %d MiB", path, maxFileSize>>20)
	}
	return buf.Bytes(), nil
}

type limitedReader struct {
	f    *os.File
	left int64
}

func (r *limitedReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, errors.New("file too large")
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.f.Read(p)
	r.left -= int64(n)
	return n, err
}

// Parse is Load of data read from path.
func Parse(path string, data []byte, opts LoadOptions) (*Stack, error) {
	lookup := opts.Getenv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	root, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	if err := substitute(path, root, lookup); err != nil {
		return nil, err
	}
	var s Stack
	if err := decodeChecked(path, root, "stack-v1alpha1.json", &s); err != nil {
		return nil, err
	}
	s.file = path
	s.dir = filepath.Dir(path)
	if err := s.check(root); err != nil {
		return nil, err
	}
	return &s, nil
}

// parseYAML parses one YAML document into its node tree.
func parseYAML(path string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, &Error{File: path, Problems: []string{fmt.Sprintf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, &Error{File: path, Problems: []string{fmt.Sprintf("%s:%d: a second YAML document: a file holds one", path, line)}}
	}
	return &root, nil
}

// decodeChecked checks the node tree root against the published schema
// name and decodes it into v.
func decodeChecked(path string, root *yaml.Node, schemaName string, v any) error {
	var doc any
	if err := root.Decode(&doc); err != nil {
		return &Error{File: path, Problems: []string{fmt.Sprintf("%s: %v", path, err)}}
	}
	doc, err := jsonCompatible(doc)
	if err != nil {
		return &Error{File: path, Problems: []string{fmt.Sprintf("%s: %v", path, err)}}
	}
	sch, err := compiledSchema(schemaName)
	if err != nil {
		return err
	}
	if err := sch.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("check %s: %w", path, err)
		}
		return &Error{File: path, Problems: schemaProblems(path, root, ve)}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{File: path, Problems: []string{fmt.Sprintf("%s: %v", path, err)}}
	}
	return nil
}

// jsonCompatible turns what YAML decoded into what encoding/json and the
// schema validator take: maps keyed by strings, numbers as json.Number.
func jsonCompatible(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			c, err := jsonCompatible(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := jsonCompatible(e)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = c
		}
		return out, nil
	case []any:
		for i, e := range t {
			c, err := jsonCompatible(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	case int:
		return json.Number(strconv.Itoa(t)), nil
	case int64:
		return json.Number(strconv.FormatInt(t, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(t, 10)), nil
	case float64:
		return json.Number(strconv.FormatFloat(t, 'g', -1, 64)), nil
	}
	return v, nil
}

var printer = message.NewPrinter(language.English)

// schemaProblems turns the validator's report into one line per leaf
// violation, each with the line of the node at fault.
func schemaProblems(path string, root *yaml.Node, ve *jsonschema.ValidationError) []string {
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, problemLines(path, root, e)...)
	}
	walk(ve)
	slices.Sort(out)
	return slices.Compact(out)
}

func problemLines(path string, root *yaml.Node, e *jsonschema.ValidationError) []string {
	loc := e.InstanceLocation
	node, _ := lookupNode(root, loc)
	at := func(n *yaml.Node) string {
		if n == nil {
			return path
		}
		return fmt.Sprintf("%s:%d:%d", path, n.Line, n.Column)
	}
	field := fieldPath(loc)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var lines []string
		for _, p := range k.Properties {
			_, key := lookupNode(root, append(slices.Clip(loc), p))
			lines = append(lines, fmt.Sprintf("%s: %s: unknown field %q", at(key), joinField(field, p), p))
		}
		return lines
	case *kind.Required:
		var lines []string
		for _, p := range k.Missing {
			lines = append(lines, fmt.Sprintf("%s: %s: missing field %q", at(node), orTop(field), p))
		}
		return lines
	}
	return []string{fmt.Sprintf("%s: %s: %s", at(node), orTop(field), e.ErrorKind.LocalizedString(printer))}
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func orTop(field string) string {
	if field == "" {
		return "(top level)"
	}
	return field
}

// lookupNode returns the value node at path in root and, for a mapping
// entry, its key node (which is where an unknown field is).
func lookupNode(root *yaml.Node, path []string) (value, key *yaml.Node) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		key = nil
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					key, next = n.Content[i], n.Content[i+1]
				}
			}
			if next == nil {
				return n, nil
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(n.Content) {
				return n, nil
			}
			n = n.Content[i]
		default:
			return n, nil
		}
	}
	return n, key
}
