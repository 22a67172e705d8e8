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
	spans := splitDocs(text)
	docs := make([]string, 0, len(spans))
	for _, s := range spans {
		docs = append(docs, s.text)
	}
	if len(docs) == 0 {
		return nil
	}
	return docs
}

// docStartLines returns, for each document SplitManifests returns from
// text, the 1-based line of text it starts on, so that YAML errors can name
// the line in the rendered template.
func docStartLines(text string) []int {
	spans := splitDocs(text)
	lines := make([]int, 0, len(spans))
	for _, s := range spans {
		lines = append(lines, s.line)
	}
	return lines
}

// docSpan is one document of a rendered template and the line it starts
// on.
type docSpan struct {
	text string
	line int
}

func splitDocs(text string) []docSpan {
	// Helm trims the leading whitespace first, so a separator indented at
	// the very start still counts.
	body := strings.TrimLeftFunc(text, unicode.IsSpace)
	offset := len(text) - len(body)
	var spans []docSpan
	start := 0
	add := func(end int) {
		doc := body[start:end]
		if strings.TrimSpace(doc) == "" {
			return
		}
		lead := len(doc) - len(strings.TrimLeftFunc(doc, unicode.IsSpace))
		spans = append(spans, docSpan{
			text: doc[lead:],
			line: 1 + strings.Count(text[:offset+start+lead], "\n"),
		})
	}
	for _, sep := range docSeparator.FindAllStringIndex(body, -1) {
		add(sep[0])
		start = sep[1]
	}
	add(len(body))
	return spans
}
