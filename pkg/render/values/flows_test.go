package values

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

// TestProcessAndCoalesce runs the whole flow of helm template (process
// dependencies, then coalesce) on small charts. The expected values are
// what helm 4.3.1 prints with toJson .Values for the same charts and flags.
func TestProcessAndCoalesce(t *testing.T) {
	tests := []struct {
		name  string
		chart func() *chart.Chart
		user  map[string]any
		want  string
	}{
		{
			// Tags set in a subchart's values apply to its own
			// dependencies, and the root's tags apply at every level.
			name: "nested tags",
			chart: func() *chart.Chart {
				mid := withDeps(newChart("mid", "tags: {t2: false}",
					newChart("l1", "a: 1"), newChart("l2", "a: 2"), newChart("l3", "enabled: false")), `
- {name: l1, version: 1.0.0, tags: [t1]}
- {name: l2, version: 1.0.0, tags: [t2]}
- {name: l3, version: 1.0.0, condition: l3.enabled}
`)
				return withDeps(newChart("root", "", mid), "- {name: mid, version: 1.0.0}")
			},
			user: map[string]any{"tags": map[string]any{"t1": false}},
			want: `{"mid":{"global":{},"tags":{"t2":false}},"tags":{"t1":false}}`,
		},
		{
			// A user null deletes the root's global, but the subchart
			// still sees the root's default, baked in by import-values
			// processing.
			name: "null globals",
			chart: func() *chart.Chart {
				sub := newChart("sub", "global: {a: sub, t: {x: sub, z: 3}, n: null}")
				c := newChart("root", "global: {a: 1, t: {x: 1, w: 2}}", sub)
				return withDeps(c, "- {name: sub, version: 1.0.0}")
			},
			user: map[string]any{"global": map[string]any{"a": nil, "t": map[string]any{"x": nil}}},
			want: `{"global":{"t":{"w":2}},"sub":{"global":{"a":1,"t":{"w":2,"x":1,"z":3}}}}`,
		},
		{
			// Imports read the coalesced values (nulls dropped), and the
			// user's null deletes an imported key.
			name: "imports with nulls",
			chart: func() *chart.Chart {
				a := newChart("a", "d: {a: 1, b: 2, n: null, c: a}\nexports: {e: {x: null, w: 1}}")
				c := newChart("root", "imp: {c: root}", a)
				return withDeps(c, "- {name: a, version: 1.0.0, import-values: [{child: d, parent: imp}, e]}")
			},
			user: map[string]any{"imp": map[string]any{"b": nil}},
			want: `{"a":{"d":{"a":1,"b":2,"c":"a"},"exports":{"e":{"w":1}},"global":{}},"imp":{"a":1,"c":"root"},"w":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, _ := logBuffer()
			c := tt.chart()
			if err := ProcessDependencies(c, tt.user, opt); err != nil {
				t.Fatal(err)
			}
			got, err := Coalesce(c, tt.user, opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(parseYAML(tt.want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
