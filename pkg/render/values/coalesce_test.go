package values

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func TestCoalesce(t *testing.T) {
	tests := []struct {
		name   string
		chart  func() *chart.Chart
		user   string
		want   string
		logged string
	}{
		{
			name:  "user values win, maps merge, lists replace",
			chart: func() *chart.Chart { return newChart("app", "a: 1\nm: {x: 1, y: 2}\nlist: [1, 2]") },
			user:  "a: 2\nm: {y: 3, z: 4}\nlist: [9]",
			want:  "a: 2\nm: {x: 1, y: 3, z: 4}\nlist: [9]",
		},
		{
			name:  "null deletes a default, nested too",
			chart: func() *chart.Chart { return newChart("app", "a: 1\nm: {x: 1, y: 2}\nkeep: k") },
			user:  "a: null\nm: {x: null}",
			want:  "m: {y: 2}\nkeep: k",
		},
		{
			name:  "null without a default is kept",
			chart: func() *chart.Chart { return newChart("app", "m: {x: 1}") },
			user:  "other: null\nm: {new: null}",
			want:  "other: null\nm: {x: 1, new: null}",
		},
		{
			name:  "null over a whole table deletes it",
			chart: func() *chart.Chart { return newChart("app", "probe: {http: {port: 80}}") },
			user:  "probe: {http: null}",
			want:  "probe: {}",
		},
		{
			name:  "root chart null defaults are dropped",
			chart: func() *chart.Chart { return newChart("app", "a: null\nm: {x: null, y: 1}") },
			want:  "m: {y: 1}",
		},
		{
			name:  "root chart null defaults are dropped under user values",
			chart: func() *chart.Chart { return newChart("app", "m: {x: null, y: 1}") },
			user:  "m: {z: 2}",
			want:  "m: {y: 1, z: 2}",
		},
		{
			// Helm 4.3 strips the parent's nulls before they reach the
			// subchart, so they do not delete its defaults (helm#32132).
			name: "parent null defaults do not delete subchart defaults",
			chart: func() *chart.Chart {
				return newChart("app", "global: {h: {k1: null, k3: 13}}\nsub: {h: {k1: null, k3: 13}}",
					newChart("sub", "global: {h: {k1: 1, k2: 2, k3: 3}}\nh: {k1: 1, k2: 2, k3: 3}"))
			},
			want: `
global: {h: {k3: 13}}
sub:
  global: {h: {k1: 1, k2: 2, k3: 13}}
  h: {k1: 1, k2: 2, k3: 13}
`,
		},
		{
			name: "subchart defaults under its name, parent values over them",
			chart: func() *chart.Chart {
				return newChart("app", "sub: {b: parent}",
					newChart("sub", "a: 1\nb: sub\nc: [x]"))
			},
			user: "sub: {c: [y]}",
			want: "sub: {a: 1, b: parent, c: [y], global: {}}",
		},
		{
			name: "subchart null defaults are dropped",
			chart: func() *chart.Chart {
				return newChart("app", "", newChart("sub", "a: null\nm: {x: null, y: 1}"))
			},
			want: "sub: {m: {y: 1}, global: {}}",
		},
		{
			name: "user null deletes a subchart default",
			chart: func() *chart.Chart {
				return newChart("app", "", newChart("sub", "sc: {runAsUser: 1000, fsGroup: 2000}"))
			},
			user: "sub: {sc: {runAsUser: null}}",
			want: "sub: {sc: {fsGroup: 2000}, global: {}}",
		},

		{
			name: "globals flow down, parent's win",
			chart: func() *chart.Chart {
				return newChart("app", "global: {region: eu, img: {reg: parent.io}}",
					newChart("sub", "global: {region: us, own: x, img: {reg: sub.io, pull: Always}}",
						newChart("leaf", "global: {leafOnly: true}")))
			},
			user: "global: {env: prod}",
			want: `
global: {region: eu, env: prod, img: {reg: parent.io}}
sub:
  global: {region: eu, env: prod, own: x, img: {reg: parent.io, pull: Always}}
  leaf:
    global: {region: eu, env: prod, own: x, leafOnly: true, img: {reg: parent.io, pull: Always}}
`,
		},
		{
			name: "library subchart values coalesce like others",
			chart: func() *chart.Chart {
				lib := newChart("common", "exampleValue: common-chart")
				lib.Metadata.Type = chart.TypeLibrary
				return newChart("app", "", lib)
			},
			want: "common: {exampleValue: common-chart, global: {}}",
		},
		{
			name:   "a table over a scalar default is skipped with a warning",
			chart:  func() *chart.Chart { return newChart("app", "name: plain") },
			user:   "name: {x: 1}",
			want:   "name: {x: 1}",
			logged: "warning: skipped value for app.name: Not a table.",
		},
		{
			name:   "a nested scalar over a table default wins with a warning",
			chart:  func() *chart.Chart { return newChart("app", "m: {x: {k: 1}}") },
			user:   "m: {x: 5}",
			want:   "m: {x: 5}",
			logged: "warning: cannot overwrite table with non table for app.m.x (map[k:1])",
		},
		{
			name:   "a nested table over a scalar default wins with a warning",
			chart:  func() *chart.Chart { return newChart("app", "m: {x: 5}") },
			user:   "m: {x: {k: 1}}",
			want:   "m: {x: {k: 1}}",
			logged: "warning: destination for app.m.x is a table. Ignoring non-table value (5)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, logs := logBuffer()
			got, err := Coalesce(tt.chart(), parseYAML(tt.user), opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(parseYAML(tt.want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if tt.logged != "" && !strings.Contains(logs.String(), tt.logged) {
				t.Errorf("log %q does not contain %q", logs.String(), tt.logged)
			}
			if tt.logged == "" && logs.Len() > 0 {
				t.Errorf("unexpected log: %s", logs.String())
			}
		})
	}
}

func TestCoalesceDoesNotModifyInputs(t *testing.T) {
	sub := newChart("sub", "a: {b: 1}\nnul: null\nglobal: {g: sub}")
	c := newChart("app", "m: {x: 1}\nsub: {a: {c: 2}}\nglobal: {g: app}", sub)
	user := parseYAML("m: {x: null, y: 2}\nsub: {a: {b: null}}\nglobal: {h: 1}")
	wantChart, wantSub, wantUser := copyMap(c.Values), copyMap(sub.Values), copyMap(user)

	for range 2 {
		if _, err := Coalesce(c, user); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(wantChart, c.Values); diff != "" {
		t.Errorf("chart values changed (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(wantSub, sub.Values); diff != "" {
		t.Errorf("subchart values changed (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(wantUser, user); diff != "" {
		t.Errorf("user values changed (-want +got)\n%s", diff)
	}
}

func TestCoalesceSubchartNotATable(t *testing.T) {
	c := newChart("app", "", newChart("sub", "a: 1"))
	_, err := Coalesce(c, map[string]any{"sub": "oops"})
	if err == nil || !strings.Contains(err.Error(), "type mismatch on sub") {
		t.Fatalf("error = %v, want a type mismatch on sub", err)
	}
}

func TestCoalesceNilUser(t *testing.T) {
	got, err := Coalesce(newChart("app", "a: 1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"a": float64(1)}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
