package chart

import (
	"strings"
	"testing"
)

func TestIgnoreRules(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		path  string
		isDir bool
		want  bool
	}{
		{"basename glob", "*.bak", "deep/dir/file.bak", false, true},
		{"basename glob miss", "*.bak", "file.yaml", false, false},
		{"path glob", "docs/*.md", "docs/a.md", false, true},
		{"path glob is not recursive", "docs/*.md", "docs/sub/a.md", false, false},
		{"anchored", "/secret.txt", "secret.txt", false, true},
		{"anchored does not match deeper", "/secret.txt", "nested/secret.txt", false, false},
		{"unanchored name matches deeper", "secret.txt", "nested/secret.txt", false, true},
		{"dir rule matches dir", "docs/", "docs", true, true},
		{"dir rule skips files", "docs/", "docs", false, false},
		{"comment and blank", "# *.yaml\n\n", "a.yaml", false, false},
		{"character class", "file[0-9].txt", "file3.txt", false, true},
		{"question mark", "?.txt", "ab.txt", false, false},
		{"first match wins", "*.txt\n!keep.txt", "keep.txt", false, true},
		// Helm's "!" rule ignores whatever does not match it.
		{"negation ignores non-matching", "!keep.txt", "other.txt", false, true},
		{"negation lets matching through", "!keep.txt", "keep.txt", false, false},
		{"negated dir rule ignores files", "!docs/", "a.txt", false, true},
		{"whitespace trimmed", "  *.bak  ", "a.bak", false, true},
		{"root never ignored", "*", ".", true, false},
		{"dotfiles", ".*", ".git", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseIgnore(strings.NewReader(tt.rules))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Ignore(tt.path, tt.isDir); got != tt.want {
				t.Errorf("Ignore(%q, %v) with %q = %v, want %v", tt.path, tt.isDir, tt.rules, got, tt.want)
			}
		})
	}
}

func TestIgnoreDefaults(t *testing.T) {
	r, err := ParseIgnore(strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	r.addDefaults()
	for path, want := range map[string]bool{
		"templates/.swp": true, "templates/a.yaml": false, ".helmignore": false, "templates/sub/.x": false,
	} {
		if got := r.Ignore(path, false); got != want {
			t.Errorf("Ignore(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	for rules, want := range map[string]string{
		"a\n**/b":  `.helmignore:2: pattern "**/b": double-star (**) syntax is not supported`,
		"[a-":      `.helmignore:1: pattern "[a-": syntax error in pattern`,
		"ok\n\n[x": `.helmignore:3: pattern "[x": syntax error in pattern`,
	} {
		_, err := ParseIgnore(strings.NewReader(rules))
		if err == nil || err.Error() != want {
			t.Errorf("ParseIgnore(%q) error = %v, want %q", rules, err, want)
		}
	}
}
