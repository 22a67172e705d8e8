package render

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitManifests(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only blanks and separators", "\n---\n  \n---\n", nil},
		{"one document", "a: 1\n", []string{"a: 1\n"}},
		{"leading separator", "---\na: 1\n", []string{"a: 1\n"}},
		{"two documents keep trailing blank lines", "a: 1\n\n\n---\nb: 2\n", []string{"a: 1\n\n\n", "b: 2\n"}},
		{"separator with trailing spaces", "a: 1\n---   \nb: 2", []string{"a: 1\n", "b: 2"}},
		{"separator glued to content", "a: 1\n---apiVersion: v1\n", []string{"a: 1\n", "apiVersion: v1\n"}},
		{"separator glued to a comment", "---# note\nb: 2", []string{"# note\nb: 2"}},
		{"leading whitespace dropped", "\n\n  \na: 1", []string{"a: 1"}},
		{"dashes inside a line are content", "a: x---y\nb: '---'\n", []string{"a: x---y\nb: '---'\n"}},
		{"indented dashes are content", "s: |\n  ---\n  x\n", []string{"s: |\n  ---\n  x\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SplitManifests(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDocStartLines(t *testing.T) {
	text := "\n# c\na: 1\n---\n\nb: 2\n---\n---\nc: 3\n"
	if diff := cmp.Diff([]int{2, 6, 9}, docStartLines(text)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzSplitManifests checks that splitting never loses content: every
// document is a piece of the input, documents come in input order, and
// docStartLines agrees with SplitManifests.
func FuzzSplitManifests(f *testing.F) {
	for _, seed := range []string{
		"", "---", "a: 1\n---\nb: 2\n", "---apiVersion: v1\n", "\n\n---\n\n", "a: |\n  ---\n---\n",
		"---\n---\n---x", "x\r\n---\r\ny", "--- # c\nk: v", "\t---\n", "a\n----\nb",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		docs := SplitManifests(in)
		lines := docStartLines(in)
		if len(lines) != len(docs) {
			t.Fatalf("%d documents but %d start lines for %q", len(docs), len(lines), in)
		}
		prevEnd := 0
		for i, d := range docs {
			if strings.TrimSpace(d) == "" {
				t.Fatalf("blank document %d of %q", i, in)
			}
			lineStart := lineOffset(in, lines[i])
			at := strings.Index(in[lineStart:], d)
			if at < 0 || strings.Contains(in[lineStart:lineStart+at], "\n") || lineStart+at < prevEnd {
				t.Fatalf("document %d %q does not start on line %d after the previous one in %q", i, d, lines[i], in)
			}
			prevEnd = lineStart + at + len(d)
		}
		if strings.TrimSpace(strings.ReplaceAll(in, "---", "")) != "" && len(docs) == 0 {
			t.Fatalf("no documents for %q", in)
		}
	})
}

func TestSplitManifestsIndentedLeadingSeparator(t *testing.T) {
	// Leading whitespace goes first, so this separator is at a line start.
	if diff := cmp.Diff([]string{"a: 1"}, SplitManifests("  ---\na: 1")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// lineOffset returns the byte offset where 1-based line n of s starts.
func lineOffset(s string, n int) int {
	off := 0
	for ; n > 1; n-- {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
	}
	return off
}

// FuzzNextSeparator checks the separator scanner against the regular
// expression Helm 4 splits with.
func FuzzNextSeparator(f *testing.F) {
	helm := regexp.MustCompile(`(?m)^---[ \t]*`)
	for _, seed := range []string{"", "---", "a\n---\nb", "x---\n--- \t\n----", "\n---\n---", "a\r\n---\r\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got [][]int
		for rest := 0; ; {
			start, end := nextSeparator(s, rest)
			if start < 0 {
				break
			}
			got = append(got, []int{start, end})
			rest = end
		}
		if diff := cmp.Diff(helm.FindAllStringIndex(s, -1), got); diff != "" {
			t.Errorf("separators of %q (-want +got):\n%s", s, diff)
		}
	})
}
