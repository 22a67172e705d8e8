package values

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func TestImportValues(t *testing.T) {
	tests := []struct {
		name   string
		chart  func() *chart.Chart
		user   string
		want   string
		logged string
	}{
		{
			name: "string form imports exports at the top, parent values win",
			chart: func() *chart.Chart {
				sub := newChart("sub", "exports: {data: {a: sub, b: sub}}")
				c := newChart("app", "b: parent", sub)
				return withDeps(c, "- {name: sub, version: 1.0.0, import-values: [data]}")
			},
			want: `
a: sub
b: parent
sub: {exports: {data: {a: sub, b: sub}}, global: {}}
`,
		},
		{
			name: "child/parent form imports a table at a path",
			chart: func() *chart.Chart {
				sub := newChart("sub", "defaults: {port: 80, host: sub}")
				c := newChart("app", "imported: {cfg: {host: parent}}", sub)
				return withDeps(c, "- {name: sub, version: 1.0.0, import-values: [{child: defaults, parent: imported.cfg}]}")
			},
			want: `
imported: {cfg: {port: 80, host: parent}}
sub: {defaults: {port: 80, host: sub}, global: {}}
`,
		},
		{
			name: "parent values override imports even from the parent's subchart block",
			chart: func() *chart.Chart {
				sub := newChart("sub", "defaults: {port: 80}")
				c := newChart("app", "sub: {defaults: {port: 81}}", sub)
				return withDeps(c, "- {name: sub, version: 1.0.0, import-values: [{child: defaults, parent: p}]}")
			},
			want: `
p: {port: 81}
sub: {defaults: {port: 81}, global: {}}
`,
		},
		{
			name: "aliased subcharts import separately",
			chart: func() *chart.Chart {
				child := newChart("child", "defaults: {who: child}")
				c := newChart("app", "bar: {defaults: {who: bar}}", child)
				return withDeps(c, `
- {name: child, version: 1.0.0, alias: foo, import-values: [{child: defaults, parent: foo-defaults}]}
- {name: child, version: 1.0.0, alias: bar, import-values: [{child: defaults, parent: bar-defaults}]}
`)
			},
			want: `
foo-defaults: {who: child}
bar-defaults: {who: bar}
foo: {defaults: {who: child}, global: {}}
bar: {defaults: {who: bar}, global: {}}
`,
		},
		{
			name: "imports go up two levels",
			chart: func() *chart.Chart {
				leaf := newChart("leaf", "exports: {cfg: {deep: {x: value}}}")
				mid := withDeps(newChart("mid", "", leaf), "- {name: leaf, version: 1.0.0, import-values: [cfg]}")
				c := newChart("app", "", mid)
				return withDeps(c, "- {name: mid, version: 1.0.0, import-values: [{child: deep, parent: fromMid}]}")
			},
			want: `
fromMid: {x: value}
mid: {deep: {x: value}, global: {}, leaf: {exports: {cfg: {deep: {x: value}}}, global: {}}}
`,
		},
		{
			name: "a disabled subchart imports nothing",
			chart: func() *chart.Chart {
				sub := newChart("sub", "exports: {data: {a: sub}}")
				c := newChart("app", "sub: {enabled: false}", sub)
				return withDeps(c, "- {name: sub, version: 1.0.0, condition: sub.enabled, import-values: [data]}")
			},
			want: "sub: {enabled: false}",
		},
		{
			name: "a missing export is skipped with a warning",
			chart: func() *chart.Chart {
				c := newChart("app", "", newChart("sub", "x: 1"))
				return withDeps(c, "- {name: sub, version: 1.0.0, import-values: [nothing]}")
			},
			want:   "sub: {x: 1, global: {}}",
			logged: "ImportValues missing table",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, logs := logBuffer()
			c := tt.chart()
			user := parseYAML(tt.user)
			if err := ProcessDependencies(c, user, opt); err != nil {
				t.Fatal(err)
			}
			got, err := Coalesce(c, user, opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(parseYAML(tt.want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if tt.logged != "" && !strings.Contains(logs.String(), tt.logged) {
				t.Errorf("log %q does not contain %q", logs.String(), tt.logged)
			}
		})
	}
}

func TestImportValuesRewritesForm(t *testing.T) {
	sub := newChart("sub", "exports: {data: {a: 1}}\nd: {b: 2}")
	c := withDeps(newChart("app", "", sub), "- {name: sub, version: 1.0.0, import-values: [data, {child: d, parent: p}]}")
	if err := ProcessDependencies(c, nil); err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]string{"child": "exports.data", "parent": "."},
		map[string]string{"child": "d", "parent": "p"},
	}
	if diff := cmp.Diff(want, c.Metadata.Dependencies[0].ImportValues); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}

	// The rewritten form imports too, so that a chart can be processed
	// twice.
	c = newChart("app", "", newChart("sub", "d: {b: 2}"))
	c.Metadata.Dependencies = []*chart.Dependency{{
		Name: "sub", Version: "1.0.0",
		ImportValues: []any{map[string]string{"child": "d", "parent": "p"}},
	}}
	if err := ProcessDependencies(c, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"b": float64(2)}, c.Values["p"]); diff != "" {
		t.Errorf("imported p (-want +got)\n%s", diff)
	}
}
