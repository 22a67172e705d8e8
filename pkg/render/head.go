package render

import (
	"math"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"

	"github.com/berth-sh/berth/pkg/chart/plainyaml"
)

// parseHead decodes the head of a YAML document exactly as
// sigs.k8s.io/yaml.Unmarshal (which Helm uses) does. That function decodes
// the YAML, converts it to JSON and decodes the JSON into the Head. A
// document in plainyaml's subset, which is almost every manifest, is
// checked and its head read by plainyaml's decoder, without building the
// rest (scanHead); for other plain documents, the same Head is read
// straight from the document decoded by go-yaml. Anything else takes the
// original path, so results and error messages are unchanged.
func parseHead(doc string) (Head, error) {
	if head, ok := scanHead(doc); ok {
		return head, nil
	}
	var obj any
	if err := goyaml.Unmarshal([]byte(doc), &obj); err == nil && jsonable(obj) {
		if head, ok := plainHead(obj); ok {
			return head, nil
		}
	}
	var head Head
	err := yaml.Unmarshal([]byte(doc), &head)
	return head, err
}

// jsonable reports whether sigs.k8s.io/yaml converts v to JSON without
// error: map keys it can turn into strings and no NaN or infinite number
// (which JSON cannot encode). It may reject what converts (the slow path
// then decides), never the reverse.
func jsonable(v any) bool {
	switch v := v.(type) {
	case map[any]any:
		for k, e := range v {
			switch k.(type) {
			case string, int, int64, bool:
			default:
				return false
			}
			if !jsonable(e) {
				return false
			}
		}
	case []any:
		for _, e := range v {
			if !jsonable(e) {
				return false
			}
		}
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case nil, string, int, int64, uint64, bool:
	default:
		return false
	}
	return true
}

// plainHead reads the Head from a decoded document when every field on the
// way is plain: the document is a mapping (or empty); apiVersion, kind and
// metadata, and metadata's name and annotations, each appear under exactly
// that key and no other spelling JSON would match case-insensitively;
// their values are valid UTF-8 strings or null (annotations: a mapping of
// such strings, no nulls). ok is false otherwise.
func plainHead(obj any) (head Head, ok bool) {
	if obj == nil {
		return head, true
	}
	top, ok := plainFields(obj, "apiVersion", "kind", "metadata")
	if !ok {
		return head, false
	}
	if head.Version, ok = plainString(top["apiVersion"]); !ok {
		return head, false
	}
	if head.Kind, ok = plainString(top["kind"]); !ok {
		return head, false
	}
	if top["metadata"] == nil {
		return head, true
	}
	meta, ok := plainFields(top["metadata"], "name", "annotations")
	if !ok {
		return head, false
	}
	head.Metadata = &HeadMetadata{}
	if head.Metadata.Name, ok = plainString(meta["name"]); !ok {
		return head, false
	}
	if meta["annotations"] == nil {
		return head, true
	}
	annotations, ok := meta["annotations"].(map[any]any)
	if !ok {
		return head, false
	}
	head.Metadata.Annotations = make(map[string]string, len(annotations))
	for k, v := range annotations {
		ks, kok := k.(string)
		vs, vok := v.(string)
		if !kok || !vok || !utf8.ValidString(ks) || !utf8.ValidString(vs) {
			return head, false
		}
		head.Metadata.Annotations[ks] = vs
	}
	return head, true
}

// plainFields returns the values of the named fields of mapping v. ok is
// false when v is not a mapping with string keys, or when a key other than
// a field's own name matches it case-insensitively (JSON would decode it
// into the field too).
func plainFields(v any, names ...string) (fields map[string]any, ok bool) {
	m, ok := v.(map[any]any)
	if !ok {
		return nil, false
	}
	fields = make(map[string]any, len(names))
	for k, e := range m {
		ks, ok := k.(string)
		if !ok {
			return nil, false
		}
		for _, n := range names {
			if ks == n {
				fields[n] = e
			} else if foldMatch(ks, n) {
				return nil, false
			}
		}
	}
	return fields, true
}

// foldMatch reports whether key could match the ASCII field name under
// encoding/json's case folding, which also folds the Kelvin sign to k and
// the long s to s: any key of similar length with a non-ASCII rune counts.
func foldMatch(key, name string) bool {
	if len(key) < len(name) || len(key) > 3*len(name) {
		return false
	}
	for i := range len(key) {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	return len(key) == len(name) && strings.EqualFold(key, name)
}

// plainString returns v when it is a valid UTF-8 string, "" for null. ok
// is false for anything else (numbers and booleans, which the slow path
// turns into strings).
func plainString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, utf8.ValidString(v)
	default:
		return "", false
	}
}

// scanHead reads the Head of a document in plainyaml's subset. The
// decoder checks the whole document (what sigs.k8s.io/yaml would reject it
// declines) and builds only apiVersion, kind and metadata's name and
// annotations; the rules on them are plainHead's. ok is false when the
// document is outside the subset or its head is not plain.
func scanHead(doc string) (head Head, ok bool) {
	folded := false
	keep := func(path []string) bool {
		switch len(path) {
		case 1:
			return headField(path[0], &folded, "apiVersion", "kind", "metadata")
		case 2: // under metadata, the only mapping kept at the top
			return headField(path[1], &folded, "name", "annotations")
		}
		return true // the annotations
	}
	v, ok := plainyaml.DecodeSelected(doc, keep)
	if !ok || folded {
		return head, false
	}
	if v == nil {
		return head, true
	}
	top, ok := v.(map[string]any)
	if !ok {
		return head, false
	}
	if head.Version, ok = plainString(top["apiVersion"]); !ok {
		return head, false
	}
	if head.Kind, ok = plainString(top["kind"]); !ok {
		return head, false
	}
	if top["metadata"] == nil {
		return head, true
	}
	meta, ok := top["metadata"].(map[string]any)
	if !ok {
		return head, false
	}
	head.Metadata = &HeadMetadata{}
	if head.Metadata.Name, ok = plainString(meta["name"]); !ok {
		return head, false
	}
	head.Metadata.Annotations, ok = stringMap(meta["annotations"])
	return head, ok
}

// headField reports whether key is one of names, and sets folded when it
// only matches one under encoding/json's case folding (which would decode
// it into the field too).
func headField(key string, folded *bool, names ...string) bool {
	for _, n := range names {
		if key == n {
			return true
		}
		if foldMatch(key, n) {
			*folded = true
		}
	}
	return false
}

// stringMap returns v, a decoded mapping of strings, as a map; nil stays
// nil. ok is false when a value is not a string.
func stringMap(v any) (map[string]string, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}
