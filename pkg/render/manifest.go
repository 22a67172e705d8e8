package render

import (
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
	body := strings.TrimLeftFunc(text, unicode.IsSpace)
	offset := len(text) - len(body)
	var spans []docSpan
	start := 0
	// line is the line number of text at position counted; counting on
	// from the last document keeps long streams linear.
	line, counted := 1, 0
	add := func(end int) {
		doc := body[start:end]
		if strings.TrimSpace(doc) == "" {
			return
		}
		lead := len(doc) - len(strings.TrimLeftFunc(doc, unicode.IsSpace))
		pos := offset + start + lead
		line += strings.Count(text[counted:pos], "\n")
		counted = pos
		spans = append(spans, docSpan{text: doc[lead:], line: line})
	}
	for sep, rest := 0, 0; ; {
		sep, rest = nextSeparator(body, rest)
		if sep < 0 {
			break
		}
		add(sep)
		start = rest
	}
	add(len(body))
	return spans
}

// nextSeparator finds the first YAML document separator at or after from,
// returning where it starts and ends, or -1. A separator is what Helm 4
// splits rendered templates at, the regular expression (?m)^---[ \t]*:
// "---" at the start of a line, with the spaces after it. The document
// before keeps its trailing blank lines. "---apiVersion: v1", which `{{-`
// right after a separator produces, is split too, as Helm accepts it for v1
// and v2 charts.
func nextSeparator(body string, from int) (start, end int) {
	for i := from; i < len(body); {
		if (i == 0 || body[i-1] == '\n') && strings.HasPrefix(body[i:], "---") {
			end := i + 3
			for end < len(body) && (body[end] == ' ' || body[end] == '\t') {
				end++
			}
			return i, end
		}
		nl := strings.IndexByte(body[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	return -1, -1
}
