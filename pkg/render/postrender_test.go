package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPatchFileApply(t *testing.T) {
	files := map[string]string{
		"c/templates/a.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  replicas: 1\n---\n# untouched\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
		"c/templates/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name:   other\n",
		"c/templates/_h.tpl": "not yaml: [",
	}
	pf, err := ParsePatchFile("p.yaml", []byte(`patches:
  - target: {kind: Deployment, name: "w*", namespace: prod}
    patch:
      - {op: replace, path: /spec/replicas, value: 3}
      - {op: add, path: /metadata/labels, value: {a: b}}
  - target: {apiVersion: apps/v1}
    patch: {spec: {paused: true}}
  - target: {kind: ConfigMap, namespace: ""}
    patch: {data: {k: v}}
  - target: {kind: Secret}
    patch: {data: {never: applied}}
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := pf.Apply(files)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"c/templates/a.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    a: b\n  name: web\n  namespace: prod\nspec:\n  paused: true\n  replicas: 3\n" +
			"\n---\n# untouched\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
		"c/templates/b.yaml": "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: other\n",
		"c/templates/_h.tpl": "not yaml: [",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patched files (-want +got):\n%s", diff)
	}
}

func TestParsePatchFileErrors(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"unknown field", "patches:\n  - tagret: {}\n    patch: {}\n", `unknown field "tagret"`},
		{"scalar patch", "patches:\n  - patch: 3\n", "patches[0].patch: must be a list (JSON patch) or a mapping (merge patch)"},
		{"bad json patch", "patches:\n  - patch: [{op: frobnicate}]\n", "patches[0].patch"},
		{"bad name glob", "patches:\n  - target: {name: \"[\"}\n    patch: {}\n", "patches[0].target.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePatchFile("p.yaml", []byte(tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "p.yaml") {
				t.Errorf("error = %v, want p.yaml: ...%q", err, tt.wantErr)
			}
		})
	}
}

func TestPatchFileApplyFailure(t *testing.T) {
	pf, err := ParsePatchFile("p.yaml", []byte("patches:\n  - patch: [{op: remove, path: /spec/nope}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pf.Apply(map[string]string{"c/templates/a.yaml": "kind: A\n---\nkind: B\n"})
	if err == nil || !strings.Contains(err.Error(), "patch c/templates/a.yaml: document 1: patches[0]") {
		t.Errorf("error = %v", err)
	}
}
