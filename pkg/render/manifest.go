package render

import (
	"regexp"
	"strings"
	"unicode"
)

// Head is the part of a manifest the sorter reads: apiVersion, kind, name
// and annotations.
type Head struct {
	Version  string        `json:"apiVersion"`
	Kind     string        `json:"kind,omitempty"`
	Metadata *HeadMetadata `json:"metadata,omitempty"`
}

// HeadMetadata is the metadata of Head.
type HeadMetadata struct {
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations"`
}

// docSeparator matches a YAML document separator as Helm 4 splits rendered
// templates: "---" at the start of a line, with the spaces after it. The
// document before keeps its trailing blank lines. "---apiVersion: v1",
// which `{{-` right after a separator produces, is split too, as Helm
// accepts it for v1 and v2 charts.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*`)

// SplitManifests splits a rendered template into its YAML documents, in
// order, without leading whitespace; blank documents are dropped.
func SplitManifests(text string) []string {
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	var docs []string
	for _, d := range docSeparator.Split(text, -1) {
		if strings.TrimSpace(d) == "" {
			continue
		}
		docs = append(docs, strings.TrimLeftFunc(d, unicode.IsSpace))
	}
	return docs
}

// docStartLines returns, for each document SplitManifests returns from
// text, the 1-based line of text it starts on, so that YAML errors can name
// the line in the rendered template.
func docStartLines(text string) []int {
	trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
	offset := len(text) - len(trimmed)
	var lines []int
	seps := docSeparator.FindAllStringIndex(trimmed, -1)
	starts := []int{0}
	for _, s := range seps {
		starts = append(starts, s[1])
	}
	ends := make([]int, 0, len(starts))
	for _, s := range seps {
		ends = append(ends, s[0])
	}
	ends = append(ends, len(trimmed))
	for i, start := range starts {
		if start == ends[i] {
			continue
		}
		doc := trimmed[start:ends[i]]
		lead := len(doc) - len(strings.TrimLeftFunc(doc, unicode.IsSpace))
		abs := offset + start + lead
		lines = append(lines, 1+strings.Count(text[:abs], "\n"))
	}
	return lines
}
