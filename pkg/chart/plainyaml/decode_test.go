package plainyaml

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// reference decodes doc with sigs.k8s.io/yaml, which Decode must agree
// with whenever it accepts a document.
func reference(doc string) (any, error) {
	var v any
	err := yaml.Unmarshal([]byte(doc), &v)
	return v, err
}

// checkAgrees fails when Decode accepts doc and sigs.k8s.io/yaml fails on
// it or decodes it to something else. It returns whether Decode accepted.
func checkAgrees(t *testing.T, doc string) bool {
	t.Helper()
	got, ok := Decode(doc)
	if !ok {
		return false
	}
	want, err := reference(doc)
	if err != nil {
		t.Fatalf("Decode accepted %q, which sigs.k8s.io/yaml rejects: %v", doc, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Decode(%q) (-sigs.k8s.io/yaml +Decode):\n%s", doc, diff)
	}
	return true
}

// TestDecodeAccepts lists documents of the subset: Decode must take each
// and agree with sigs.k8s.io/yaml.
func TestDecodeAccepts(t *testing.T) {
	docs := []string{
		"",
		"# only a comment\n\n",
		"a: 1\nb: two\nc:\nd: ~\n",
		"a: 1.5\nb: -2\nc: 0x1F\nd: 017\ne: 1_000\nf: 1e3\ng: .5\nh: +3\ni: 0b101\nj: -0b11\nk: 08\nl: 1e400\n",
		"a: 9007199254740993\nb: 18446744073709551615\nc: 18446744073709551616\nd: -9223372036854775808\n",
		"a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: n\ng: true\nh: FALSE\ni: Yes please\nj: nul\n",
		"a: 2024-01-02\nb: 2024-01-02T03:04:05Z\nc: 2024-1-2 3:4:5\nd: 2024-13-45\ne: 1234-\n",
		"a: <<\nb: .x\nd: --x\ne: -1.5e-3\nf: +.5\n",
		"key: value # comment\nother: 'it''s' # c\nthird: \"tab\\there \\u00e9 \\x41 \\U0001F600 \\\\ \\\"\"\n",
		"a:\n  b:\n    c: d\n  e: f\ng: h\n",
		"list:\n- a\n- b\nnext: 1\n",
		"list:\n  - a\n  -  b\n  -\n  - c: d\n    e: f\nnext: 1\n",
		"- a\n- b: c\n  d: e\n-\n- f\n",
		"a: []\nb: {}\nc: [ ]\nd: { }\ne: [a, 'b', \"c\", 1, 2.5, true, null, -1, /x/y, a.b-c_d+e]\n",
		"labels: {app.kubernetes.io/instance: rel, b: 'x', c: 1, \"d e\": true, f: null}\n",
		"m: {a: b}\nk: { a: 1.5 ,b: -2 }\nl:\n  - {name: x, value: \"y\"}\n",
		"script: |\n  line one\n    indented\n\n  line three\nafter: x\n",
		"script: |-\n  a\n  b\n\n\nafter: x\n",
		"script: |+\n  a\n  b\n\n\nafter: x\n",
		"script: >\n  folded\n  lines\n\n  para\n    more\n  back\nafter: x\n",
		"script: >-\n  a\n  b\n",
		"script: |\n    deep\n    text\n",
		"script: | # header comment\n  a\n# a comment, less indented\nb: c\n",
		"end: |\n  no final newline",
		"spaces: |\n  a\n     \n  b\n  \n",
		"k: |\n  tab\there\n",
		"  indented: top\n  mapping: 1\n",
		"\"quoted key\": 1\n'single key': 2\nplain key with spaces: 3\na:b: 4\na#b: 5\nkey : 6\n",
		"url: http://example.com:8080/path?x=1#frag\nexpr: a == b || c != d\nweird: x,|>!&*\n",
		"unicode: héllo wörld 日本語 😀\n",
		"metadata:\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"5\"\n",
		"a: 1\na: 2\n",
		"a: :9121\n:b: :c:d\n",
		"a: |\nb: empty block scalar\nc: |+\n\n\nd: >-\n",
		"a:\n- b\n c\n",
		"a: 'multi  \n  line''s\n\n   folded '\nb: \"dq \\t\n  x\\  \n  y\"\n",
		"a: plain\n  continued\n\n\n   more # c\nb: x\n  y\n  # c\n",
		"- a\n  b\n- c\n\n  d\n",
		"a:\n  own line\n  and more\nb:\n  'q'\nc:\n  [x]\nd:\n  |\n   t\n",
	}
	for _, doc := range docs {
		if !checkAgrees(t, doc) {
			t.Errorf("Decode declined %q, which is in the subset", doc)
		}
	}
}

// TestDecodeDeclines lists documents outside the subset, valid YAML or
// not: Decode must decline each (or, for valid ones, agree).
func TestDecodeDeclines(t *testing.T) {
	docs := []string{
		"a: &x 1\nb: *x\n",
		"a: !!str 1\n",
		"<<: {a: 1}\n",
		"? complex\n: key\n",
		"true: 1\n",
		"1: one\n",
		"null: x\n",
		"a: b: c\n",
		"a: 'unterminated\n",
		"a: \"multi\\\n  line\"\n",
		"a:\n\tb: tab\n",
		"a: b\r\n",
		"---\na: 1\n",
		"a: 1\n...\n",
		"%YAML 1.1\n---\na: 1\n",
		"a: |2\n  x\n",
		"a: {b: {c: 1}}\n",
		"a: [b, [c]]\n",
		"a: [b,]\n",
		"a: .nan\n",
		"a: -.inf\n",
		"a:\n  b: 1\n c: 2\n",
		"a: 1\n- b\n",
		"- a\nb: 1\n",
		"a: \"\\q\"\n",
		"a: \"\\ud800\"\n",
		"a: x\u0085y\n",
		"a: x\x01y\n",
		"\ufeffa: 1\n",
		"plain scalar document\n",
		"a: @x\n",
		"a: `x`\n",
		"a: %x\n",
		"a: - b\n",
		"c: -\n",
		"a: 'x'#c\n",
		"a: |\n  x\n b: 1\n",
	}
	for _, doc := range docs {
		if checkAgrees(t, doc) {
			t.Errorf("Decode accepted %q, which is outside the subset", doc)
		}
	}
}

// TestDecodeSelected checks that what keep leaves out is still checked,
// and that kept values are those Decode gives.
func TestDecodeSelected(t *testing.T) {
	doc := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\ndata:\n  big: |\n    text\n"
	keep := func(path []string) bool { return path[0] != "data" && (len(path) < 2 || path[1] != "labels") }
	got, ok := DecodeSelected(doc, keep)
	if !ok {
		t.Fatalf("DecodeSelected declined %q", doc)
	}
	want := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeSelected (-want +got):\n%s", diff)
	}
	if _, ok := DecodeSelected(doc+"other: .nan\n", keep); ok {
		t.Errorf("DecodeSelected accepted a NaN, which sigs.k8s.io/yaml rejects, in a value it does not keep")
	}
}
