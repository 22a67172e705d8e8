package stack

import (
	"fmt"
	"slices"
	"strings"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// SubstitutedFields are the fields in which ${VAR} is replaced by the
// environment variable VAR, as paths of the stack file ("*" is any one
// key or index, "**" any number of them). Elsewhere ${...} is kept as
// written. docs/stacks.md lists them.
var SubstitutedFields = []string{
	"defaults.namespace",
	"defaults.values.*",
	"environments.*.kubeContext",
	"environments.*.kubeconfig",
	"environments.*.namespace",
	"environments.*.values.*",
	"releases.*.namespace",
	"releases.*.chart",
	"releases.*.version",
	"releases.*.repo",
	"releases.*.values.*",
	"releases.*.set.**",
	"releases.*.environments.*.version",
	"releases.*.environments.*.values.*",
	"releases.*.environments.*.set.**",
}

// substitute replaces ${VAR} in the string scalars of the fields listed in
// SubstitutedFields, in place. $$ stands for one $. A variable that
// lookup does not know, or an unterminated ${, is an error naming the
// file, line and field.
func substitute(file string, root *yaml.Node, lookup func(string) (string, bool)) error {
	var errs []string
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], append(slices.Clip(path), n.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, append(slices.Clip(path), fmt.Sprint(i)))
			}
		case yaml.ScalarNode:
			if n.Tag != "!!str" || !substituted(path) || !strings.Contains(n.Value, "$") {
				return
			}
			out, err := expand(n.Value, lookup)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d:%d: %s: %v", file, n.Line, n.Column, fieldPath(path), err))
				return
			}
			n.Value = out
		}
	}
	walk(root, nil)
	if len(errs) > 0 {
		return &Error{File: file, Problems: errs}
	}
	return nil
}

// substituted reports whether path matches one of SubstitutedFields.
func substituted(path []string) bool {
	for _, f := range SubstitutedFields {
		if matchPath(strings.Split(f, "."), path) {
			return true
		}
	}
	return false
}

func matchPath(pattern, path []string) bool {
	if len(pattern) == 0 {
		return len(path) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if matchPath(pattern[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 || (pattern[0] != "*" && pattern[0] != path[0]) {
		return false
	}
	return matchPath(pattern[1:], path[1:])
}

// expand replaces ${VAR} in s with lookup(VAR) and $$ with $.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q: close it with }, or write $$ for a $", s)
			}
			name := s[i+2 : i+2+end]
			if !validVarName(name) {
				return "", fmt.Errorf("${%s}: not a variable name (letters, digits and _, not starting with a digit)", name)
			}
			v, ok := lookup(name)
			if !ok {
				return "", fmt.Errorf("${%s} is not set: export %s, or remove it", name, name)
			}
			b.WriteString(v)
			i += 2 + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func validVarName(name string) bool {
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, r := range name {
		if r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// fieldPath spells a path as the docs do: releases[1].values[0].
func fieldPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if p != "" && p[0] >= '0' && p[0] <= '9' && isIndex(p) {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func isIndex(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
