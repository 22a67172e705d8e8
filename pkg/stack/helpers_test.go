package stack

import "strings"

func cutString(s, sep string) (before, after string, found bool) { return strings.Cut(s, sep) }

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
