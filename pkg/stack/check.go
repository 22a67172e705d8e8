package stack

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// check finds what the schema cannot: repeated release names, needs of
// releases that do not exist, environments that do not exist, durations
// that do not parse and cycles in needs. root is the file's node tree, for
// the lines.
func (s *Stack) check(root *yaml.Node) error {
	var problems []string
	at := func(path ...string) string {
		n, key := lookupNode(root, path)
		if key != nil {
			n = key
		}
		return fmt.Sprintf("%s:%d:%d: %s", s.file, n.Line, n.Column, fieldPath(path))
	}
	if s.Defaults.Timeout != "" {
		if _, err := time.ParseDuration(s.Defaults.Timeout); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a duration: use e.g. 5m or 90s", at("defaults", "timeout"), s.Defaults.Timeout))
		}
	}
	seen := map[string]int{}
	for i, r := range s.Releases {
		idx := strconv.Itoa(i)
		if first, dup := seen[r.Name]; dup {
			problems = append(problems, fmt.Sprintf("%s: release %q is named already by releases[%d]: names are unique in a stack",
				at("releases", idx, "name"), r.Name, first))
		} else {
			seen[r.Name] = i
		}
		if r.Timeout != "" {
			if _, err := time.ParseDuration(r.Timeout); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q is not a duration: use e.g. 5m or 90s", at("releases", idx, "timeout"), r.Timeout))
			}
		}
		for env := range r.Environments {
			if _, ok := s.Environments[env]; !ok {
				problems = append(problems, fmt.Sprintf("%s: environment %q is not among the stack's environments (%s)",
					at("releases", idx, "environments", env), env, s.environmentList()))
			}
		}
	}
	for i, r := range s.Releases {
		for j, n := range r.Needs {
			field := at("releases", strconv.Itoa(i), "needs", strconv.Itoa(j), "release")
			switch {
			case n.Release == r.Name:
				problems = append(problems, fmt.Sprintf("%s: release %q needs itself", field, r.Name))
			case s.Release(n.Release) == nil:
				problems = append(problems, fmt.Sprintf("%s: release %q needs %q, which is not a release of the stack", field, r.Name, n.Release))
			}
		}
	}
	if len(problems) == 0 {
		if _, err := NewGraph(s.Releases); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", s.file, err))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return &Error{File: s.file, Problems: problems}
	}
	return nil
}

// environmentList names the stack's environments for errors.
func (s *Stack) environmentList() string {
	if len(s.Environments) == 0 {
		return "it declares none"
	}
	return fmt.Sprint(s.EnvironmentNames())
}

// EnvironmentNames returns the names of the stack's environments, sorted.
func (s *Stack) EnvironmentNames() []string {
	names := make([]string, 0, len(s.Environments))
	for n := range s.Environments {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
