// Package plainyaml decodes the plain subset of YAML that values files and
// rendered manifests are nearly always written in, many times faster than
// a general YAML parser, with exactly the result sigs.k8s.io/yaml.Unmarshal
// (go-yaml v2, then JSON) gives for it.
//
// The subset is block mappings and block sequences (including sequences at
// their key's indentation and mappings that start on a sequence entry's
// line) whose scalars each fit on one line, plain or quoted; literal and
// folded block scalars; one-line flow sequences of simple scalars and
// one-line flow mappings of them with string keys; and comments. Plain
// scalars resolve as go-yaml v2 resolves them (YAML 1.1:
// yes/no/on/off are booleans, timestamps stay strings) and then as
// encoding/json decodes them into an interface (every number a float64).
//
// Anything else, and anything the decoder is not sure of, it declines:
// Decode returns ok false and the caller decodes the document with
// sigs.k8s.io/yaml, so that results and error messages, including for
// invalid YAML, are always that library's. Declining is always safe;
// accepting promises that sigs.k8s.io/yaml accepts the document and gives
// the same value. Tabs outside block scalars, anchors, aliases, tags,
// merge keys, complex and non-string keys, multi-line plain and quoted
// scalars, nested or multi-line flow collections, document markers, directives, carriage returns
// and characters YAML reads as line breaks are all declined.
package plainyaml
