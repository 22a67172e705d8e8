package render

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSortManifests(t *testing.T) {
	files := map[string]string{
		"c/templates/b.yaml": "kind: Deployment\nmetadata: {name: web}\n---\nkind: Service\nmetadata: {name: web}\n",
		"c/templates/a.yaml": "kind: Zebra\nmetadata: {name: z}\n---\nkind: Alpaca\nmetadata: {name: a}\n---\nkind: Namespace\nmetadata: {name: ns1}\n",
		"c/templates/hooks.yaml": `kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install, Pre-Upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
---
kind: Pod
metadata:
  name: test
  annotations: {helm.sh/hook: test-success}
---
kind: ConfigMap
metadata:
  name: unknown-hook
  annotations: {helm.sh/hook: sometime}
---
kind: ConfigMap
metadata:
  name: annotated
  annotations: {team: x}
`,
		"c/templates/_helpers.tpl": "kind: Secret\n",
		"c/templates/empty.yaml":   "\n  \n",
	}
	hooks, manifests, err := SortManifests(files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range manifests {
		got = append(got, m.Head.Kind+"/"+m.Head.Metadata.Name+"@"+m.Name)
	}
	want := []string{
		"Namespace/ns1@c/templates/a.yaml",
		"ConfigMap/annotated@c/templates/hooks.yaml",
		"Service/web@c/templates/b.yaml",
		"Deployment/web@c/templates/b.yaml",
		"Alpaca/a@c/templates/a.yaml",
		"Zebra/z@c/templates/a.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifest order (-want +got):\n%s", diff)
	}
	wantHooks := []*Hook{
		{Name: "test", Kind: "Pod", Path: "c/templates/hooks.yaml", Events: []string{"test"}, DeletePolicies: []string{}},
		{
			Name: "migrate", Kind: "Job", Path: "c/templates/hooks.yaml", Events: []string{"pre-install", "pre-upgrade"},
			Weight: -5, DeletePolicies: []string{"before-hook-creation", "hook-succeeded"},
		},
	}
	if diff := cmp.Diff(wantHooks, hooks, cmpIgnoreManifest); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	if !hooks[0].IsTest() || hooks[1].IsTest() {
		t.Error("IsTest is wrong")
	}
}

var cmpIgnoreManifest = cmp.FilterPath(func(p cmp.Path) bool {
	return strings.HasSuffix(p.String(), "Manifest")
}, cmp.Ignore())

func TestSortManifestsYAMLError(t *testing.T) {
	files := map[string]string{"c/templates/bad.yaml": "a: 1\n---\n\nkind: x\n  bad: [\n"}
	_, _, err := SortManifests(files)
	var ye *YAMLError
	if !errors.As(err, &ye) {
		t.Fatalf("error = %v, want a *YAMLError", err)
	}
	if ye.Template != "c/templates/bad.yaml" || ye.Line != 4 {
		t.Errorf("YAMLError names %s line %d, want c/templates/bad.yaml line 4", ye.Template, ye.Line)
	}
	if !strings.Contains(err.Error(), "YAML parse error on c/templates/bad.yaml (document starting at line 4") {
		t.Errorf("message = %q", err)
	}
}
