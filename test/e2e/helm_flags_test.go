//go:build e2e

package e2e

import (
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// flagNames returns the long flag names (and shorthands) a command's
// --help lists, its own and inherited.
func flagNames(t *testing.T, bin string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(bin, append(args, "--help")...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s --help: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	re := regexp.MustCompile(`(?m)^\s+(?:(-[a-zA-Z]), )?(--[a-z0-9-]+)`)
	var names []string
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		names = append(names, m[2])
		if m[1] != "" {
			names = append(names, m[1]+" ("+m[2]+")")
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestBerthTakesHelmsFlags: every flag (and shorthand) of Helm v4.3.1's
// everyday commands is one berth's same command takes, so that a command
// line written for Helm never fails on "unknown flag".
func TestBerthTakesHelmsFlags(t *testing.T) {
	helm, berth := helmBinary(t), berthBinary(t)
	for _, cmd := range [][]string{
		{"template"},
		{"install"},
		{"upgrade"},
		{"rollback"},
		{"uninstall"},
		{"list"},
		{"history"},
		{"status"},
		{"test"},
		{"get", "values"},
		{"get", "manifest"},
		{"pull"},
		{"push"},
		{"package"},
		{"lint"},
		{"verify"},
		{"show", "values"},
		{"show", "chart"},
		{"repo", "add"},
		{"repo", "update"},
		{"repo", "index"},
		{"search", "repo"},
		{"dependency", "update"},
		{"dependency", "build"},
		{"registry", "login"},
		{"create"},
	} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			have := flagNames(t, berth, cmd...)
			for _, f := range flagNames(t, helm, cmd...) {
				if !slices.Contains(have, f) {
					t.Errorf("helm %s has %s; berth %s does not", strings.Join(cmd, " "), f, strings.Join(cmd, " "))
				}
			}
		})
	}
}
