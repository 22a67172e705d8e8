package render

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// headDocs are documents whose heads parseHead must read exactly as
// sigs.k8s.io/yaml does, plain ones and every kind of oddity.
var headDocs = []string{
	"",
	"# only a comment\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    a: b\n",
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: c}]\n",
	"kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"5\"\n",
	"kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook-weight: 5\n",
	"kind: 5\n",
	"kind: true\n",
	"kind: 1.5\n",
	"kind: [a]\n",
	"kind: ~\nmetadata: ~\n",
	"Kind: Upper\n",
	"kind: a\nKIND: b\n",
	"kind: a\nkind: b\n",
	"metadata: {name: a, Name: b}\n",
	"metadata: {annotations: ~}\n",
	"metadata: {annotations: {}}\n",
	"metadata: {annotations: {a: ~}}\n",
	"metadata: {annotations: {1: x}}\n",
	"metadata: []\n",
	"metadata: x\n",
	"\u212aind: kelvin\n",
	"ſ: long s\nkind: k\n",
	"- a\n- b\n",
	"just a scalar\n",
	"kind: K\nspec: {x: .nan}\n",
	"kind: K\nspec: {x: .inf}\n",
	"kind: K\nspec: {? [a, b] : c}\n",
	"kind: K\nspec: {~: c}\n",
	"kind: K\nspec: {1.5: c, 2: d, true: e}\n",
	"kind: K\nspec: {18446744073709551615: big}\n",
	"kind: K\nspec: !!binary aGVsbG8=\n",
	"kind: K\nmetadata: {name: !!binary aGVsbG8=}\n",
	"kind: K\nx: &a {name: n}\nmetadata: *a\n",
	"kind: K\nbase: &b {name: base}\nmetadata: {<<: *b, annotations: {a: b}}\n",
	"kind: K\nmetadata: {name: \"\\xff\"}\n",
	"kind: K\nmetadata: {name: 2001-12-14}\n",
	"kind: [\n",
	"a: b\n  c: d\n",
	"kind: K\n\tbad: tab\n",
	// Block forms, which the subset scanner (scanHead) reads.
	"metadata:\n  Name: b\n  name: a\n",
	"metadata:\n  NAME: b\nkind: K\n",
	"metadata:\n  name: 5\n",
	"metadata:\n  name:\n  annotations:\n",
	"metadata:\n  annotations:\n    a: 5\n    b: yes\n",
	"metadata:\n  annotations:\n    a:\n",
	"metadata:\n  annotations:\n    - a\n",
	"metadata:\n  Annotations:\n    a: b\n",
	"apiVersion: 1\nkind: K\n",
	"kind: K\nmetadata:\n  labels:\n    Name: x\n  name: n\nspec:\n  template:\n    metadata:\n      name: inner\n",
	"kind: |\n  multi\n  line\nmetadata:\n  name: >-\n    folded\n    name\n",
	"- kind: K\n",
}

// checkHead compares parseHead with sigs.k8s.io/yaml.Unmarshal on doc.
func checkHead(t *testing.T, doc string) {
	t.Helper()
	var want Head
	wantErr := yaml.Unmarshal([]byte(doc), &want)
	got, gotErr := parseHead(doc)
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Fatalf("parseHead(%q) error = %v, want %v", doc, gotErr, wantErr)
	}
	if wantErr == nil {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("parseHead(%q) (-want +got):\n%s", doc, diff)
		}
	}
}

func TestParseHeadMatchesSigsYAML(t *testing.T) {
	for _, doc := range headDocs {
		t.Run(doc, func(t *testing.T) { checkHead(t, doc) })
	}
}

func FuzzParseHead(f *testing.F) {
	for _, doc := range headDocs {
		f.Add(doc)
	}
	f.Fuzz(checkHead)
}
