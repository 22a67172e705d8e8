package plainyaml

import (
	"strings"
	"testing"
)

// FuzzDecode checks, for any input, that a document Decode accepts is one
// sigs.k8s.io/yaml accepts and decodes to the same value.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"a: 1\nb:\n  - c\n  - d: e\n    f: |\n      text\n\n      more\n",
		"k: >-\n  folded\n  text\n\n  x\nl: [a, 'b', 1]\nm: {}\n",
		"- a\n- 'b''c'\n- \"d\\te\"\n-\n  x: y\n",
		"key: value # comment\n# line\n  other: 1\n",
		"a: |+\n  x\n\n\nb: yes\nc: 0x10\nd: 2001-02-03\n",
		"s: |\n  a\n   \n  b\n\tc\n",
		"labels: {app.kubernetes.io/instance: rel, b: 'x', c: 1}\nm: {yes: 1, \"k\": [a]}\n",
		"- {a: b, a: c}\n- {1: x, 'y': z, <<: w}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		checkAgrees(t, doc)
		if v, ok := DecodeSelected(doc, func(path []string) bool { return !strings.HasPrefix(path[0], "a") }); ok {
			if _, full := Decode(doc); !full {
				t.Fatalf("DecodeSelected accepted %q (%v), which Decode declines", doc, v)
			}
		}
	})
}
