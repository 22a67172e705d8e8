package stack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, src string, env map[string]string) (*Stack, error) {
	t.Helper()
	return Parse("berth.yaml", []byte(src), LoadOptions{Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
}

const sketch = `apiVersion: berth.sh/v1alpha1
kind: Stack
metadata: {name: shop}
defaults: {namespace: shop, wait: true, timeout: 5m, rollbackOnFailure: true, values: [values/common.yaml]}
environments:
  staging: {kubeContext: stg, values: [values/staging.yaml]}
  prod:    {kubeContext: prod, values: [values/prod.yaml]}
releases:
  - name: postgres
    chart: oci://registry.example/charts/postgresql
    version: ${PG_VERSION}
    keep: true
  - name: api
    chart: ./charts/api
    needs: [{release: postgres, until: ready}]
    environments: {prod: {values: [values/api-prod.yaml], set: {replicaCount: 3}}}
`

func TestParseSketch(t *testing.T) {
	s, err := parse(t, sketch, map[string]string{"PG_VERSION": "16.x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Releases[0].Version; got != "16.x" {
		t.Errorf("version = %q, want the substituted 16.x", got)
	}
	r, err := s.Resolve("prod", "api")
	if err != nil {
		t.Fatal(err)
	}
	var layers []string
	for _, l := range r.Layers {
		layers = append(layers, l.Name)
	}
	want := []string{"defaults.values", "environments.prod.values", "releases.api.environments.prod.values", "releases.api.environments.prod.set"}
	if diff := cmp.Diff(want, layers); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	if r.Namespace != "shop" || !r.Wait || !r.RollbackOnFailure || !r.CreateNamespace {
		t.Errorf("resolved %+v", r)
	}
}

func TestParseErrors(t *testing.T) {
	head := "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: shop}\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{
			"unknown field", head + "releases:\n  - name: a\n    chart: ./a\n    valuse: [x.yaml]\n",
			[]string{`berth.yaml:7:5: releases[0].valuse: unknown field "valuse"`},
		},
		{
			"missing chart", head + "releases:\n  - name: a\n",
			[]string{`berth.yaml:5:5: releases[0]: missing field "chart"`},
		},
		{
			"bad until", head + "releases:\n  - {name: a, chart: ./a}\n  - {name: b, chart: ./b, needs: [{release: a, until: later}]}\n",
			[]string{`berth.yaml:6:55: releases[1].needs[0].until: value must be one of`},
		},
		{
			"wrong kind", "apiVersion: berth.sh/v1alpha1\nkind: Stak\nmetadata: {name: shop}\nreleases: []\n",
			[]string{`berth.yaml:2:7: kind: value must be 'Stack'`},
		},
		{
			"unset variable", head + "releases:\n  - {name: a, chart: ./a, version: '${NOPE}'}\n",
			[]string{`berth.yaml:5:36: releases[0].version: ${NOPE} is not set`},
		},
		{
			"need unknown", head + "releases:\n  - {name: a, chart: ./a, needs: [{release: z}]}\n",
			[]string{`berth.yaml:5:36: releases[0].needs[0].release: release "a" needs "z", which is not a release of the stack`},
		},
		{
			"duplicate", head + "releases:\n  - {name: a, chart: ./a}\n  - {name: a, chart: ./b}\n",
			[]string{`berth.yaml:6:6: releases[1].name: release "a" is named already by releases[0]`},
		},
		{
			"unknown environment", head + "environments: {prod: {}}\nreleases:\n  - {name: a, chart: ./a, environments: {stg: {}}}\n",
			[]string{`releases[0].environments.stg: environment "stg" is not among the stack's environments ([prod])`},
		},
		{
			"cycle", head + "releases:\n  - {name: a, chart: ./a, needs: [{release: b}]}\n  - {name: b, chart: ./b, needs: [{release: a}]}\n",
			[]string{`berth.yaml: needs form a cycle: a -> b -> a`},
		},
		{
			"bad timeout", head + "releases:\n  - {name: a, chart: ./a, timeout: soon}\n",
			[]string{`releases[0].timeout: "soon" is not a duration`},
		},
		{"two documents", head + "releases: []\n---\nkind: Stack\n", []string{"berth.yaml:6: a second YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src, nil)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\nlacks\n%s", err, w)
				}
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := func(k string) (string, bool) {
		return map[string]string{"A": "x", "B_2": "y"}[k], k == "A" || k == "B_2"
	}
	for in, want := range map[string]string{"${A}-${B_2}": "x-y", "$$A": "$A", "cost $5": "cost $5", "${A}$": "x$"} {
		got, err := expand(in, env)
		if err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"${A", "${}", "${1A}"} {
		if _, err := expand(in, env); err == nil {
			t.Errorf("expand(%q): no error", in)
		}
	}
}

func TestValuesPrecedenceAndExplain(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("common.yaml", "replicaCount: 1\nimage: {tag: common, pull: Always}\n")
	write("prod.yaml", "replicaCount: 2\n")
	write("api.yaml", "image: {tag: api}\n")
	write("api-prod.yaml", "replicaCount: 4\n")
	write("berth.yaml", `apiVersion: berth.sh/v1alpha1
kind: Stack
metadata: {name: shop}
defaults: {values: [common.yaml]}
environments: {prod: {values: [prod.yaml]}}
releases:
  - name: api
    chart: ./api
    values: [api.yaml]
    set: {image: {tag: set}}
    environments: {prod: {values: [api-prod.yaml], set: {replicaCount: 5}}}
`)
	s, err := Load(filepath.Join(dir, "berth.yaml"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Resolve("prod", "api")
	if err != nil {
		t.Fatal(err)
	}
	cmdline := map[string]any{"replicaCount": float64(6)}
	vals, err := r.Values(cmdline)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"replicaCount": float64(6), "image": map[string]any{"tag": "set", "pull": "Always"}}
	if diff := cmp.Diff(want, vals); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	settings, err := r.Explain("replicaCount", cmdline)
	if err != nil {
		t.Fatal(err)
	}
	var layers []string
	for _, st := range settings {
		layers = append(layers, st.Layer)
	}
	wantLayers := []string{
		"defaults.values", "environments.prod.values", "releases.api.environments.prod.values",
		"releases.api.environments.prod.set", "command line",
	}
	if diff := cmp.Diff(wantLayers, layers); diff != "" {
		t.Errorf("explain layers (-want +got):\n%s", diff)
	}
}
