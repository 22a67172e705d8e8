package chart

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// IgnoreRules are the patterns of a .helmignore file, evaluated as Helm
// evaluates them: in order, the first match decides.
//
// A pattern without a slash matches a file's base name; one with a slash
// matches the whole path relative to the chart root; a leading "/" anchors
// it to the root; a trailing "/" makes it match directories only (and so
// everything beneath them). "**" is an error. Helm gives "!" patterns an
// unusual meaning that berth keeps: a path that does not match a "!"
// pattern is ignored at once, and one that matches goes on to the next rule.
type IgnoreRules struct {
	patterns []ignorePattern
}

type ignorePattern struct {
	glob     string
	negate   bool
	mustDir  bool
	basename bool
}

// defaultIgnore hides dotfiles in templates/ (editor swap files and the
// like), as Helm always does after the chart's own rules.
const defaultIgnore = "templates/.?*"

// ParseIgnore reads .helmignore rules from r. Blank lines and lines starting
// with "#" are skipped. Errors name the line.
func ParseIgnore(r io.Reader) (*IgnoreRules, error) {
	rules := &IgnoreRules{}
	s := bufio.NewScanner(r)
	for line := 1; s.Scan(); line++ {
		if err := rules.add(s.Text()); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", IgnorefileName, line, err)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", IgnorefileName, err)
	}
	return rules, nil
}

func (r *IgnoreRules) addDefaults() {
	_ = r.add(defaultIgnore)
}

func (r *IgnoreRules) add(rule string) error {
	rule = strings.TrimSpace(rule)
	if rule == "" || strings.HasPrefix(rule, "#") {
		return nil
	}
	if strings.Contains(rule, "**") {
		return fmt.Errorf("pattern %q: double-star (**) syntax is not supported", rule)
	}
	if _, err := path.Match(rule, "abc"); err != nil {
		return fmt.Errorf("pattern %q: %w", rule, err)
	}
	p := ignorePattern{}
	if strings.HasPrefix(rule, "!") {
		p.negate = true
		rule = rule[1:]
	}
	if strings.HasSuffix(rule, "/") {
		p.mustDir = true
		rule = strings.TrimSuffix(rule, "/")
	}
	switch {
	case strings.HasPrefix(rule, "/"):
		p.glob = strings.TrimPrefix(rule, "/")
	case strings.Contains(rule, "/"):
		p.glob = rule
	default:
		p.glob = rule
		p.basename = true
	}
	r.patterns = append(r.patterns, p)
	return nil
}

// Ignore reports whether the file or directory at name (slash-separated,
// relative to the chart root) is ignored.
func (r *IgnoreRules) Ignore(name string, isDir bool) bool {
	if r == nil || name == "" || name == "." || name == "./" {
		return false
	}
	for _, p := range r.patterns {
		if p.negate {
			if p.mustDir && !isDir {
				return true
			}
			if !p.match(name) {
				return true
			}
			continue
		}
		if p.mustDir && !isDir {
			continue
		}
		if p.match(name) {
			return true
		}
	}
	return false
}

func (p ignorePattern) match(name string) bool {
	if p.basename {
		name = path.Base(name)
	}
	ok, err := path.Match(p.glob, name)
	return err == nil && ok
}
