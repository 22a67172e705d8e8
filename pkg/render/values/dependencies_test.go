package values

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

// twoSubcharts is a parent with subcharts a and b that have conditions and
// tags, and default values saying a is enabled and b is not.
func twoSubcharts() *chart.Chart {
	c := newChart("app", "a: {enabled: true}\nb: {enabled: false}",
		newChart("a", "name: a"), newChart("b", "name: b"))
	return withDeps(c, `
- {name: a, version: 1.0.0, condition: a.enabled, tags: [front]}
- {name: b, version: "^1", condition: b.enabled, tags: [back]}
`)
}

func TestProcessDependenciesEnabled(t *testing.T) {
	tests := []struct {
		name  string
		chart func() *chart.Chart
		user  string
		want  []string
	}{
		{name: "conditions from defaults", chart: twoSubcharts, want: []string{"a"}},
		{name: "user enables by condition", chart: twoSubcharts, user: "b: {enabled: true}", want: []string{"a", "b"}},
		{name: "user disables by condition", chart: twoSubcharts, user: "a: {enabled: false}"},
		{name: "condition wins over tags", chart: twoSubcharts, user: "tags: {front: false, back: true}", want: []string{"a"}},
		{
			name: "tags decide without a condition value",
			chart: func() *chart.Chart {
				c := twoSubcharts()
				c.Values = parseYAML("")
				return c
			},
			user: "tags: {front: false, back: true}",
			want: []string{"b"},
		},
		{
			name: "one true tag enables",
			chart: func() *chart.Chart {
				c := newChart("app", "", newChart("a", ""))
				return withDeps(c, "- {name: a, version: 1.0.0, tags: [x, y]}")
			},
			user: "tags: {x: false, y: true}",
			want: []string{"a"},
		},
		{
			name: "all tags false disables",
			chart: func() *chart.Chart {
				c := newChart("app", "", newChart("a", ""))
				return withDeps(c, "- {name: a, version: 1.0.0, tags: [x, y]}")
			},
			user: "tags: {x: false}",
		},
		{
			name: "first condition holding a bool wins",
			chart: func() *chart.Chart {
				c := newChart("app", "a: {on: true, notBool: yes-please}\nglobal: {a: false}", newChart("a", ""))
				return withDeps(c, "- {name: a, version: 1.0.0, condition: 'missing.x,a.notBool,global.a,a.on'}")
			},
			want: nil,
		},
		{
			name: "missing condition path leaves the subchart enabled",
			chart: func() *chart.Chart {
				c := newChart("app", "", newChart("a", ""))
				return withDeps(c, "- {name: a, version: 1.0.0, condition: a.enabled}")
			},
			want: []string{"a"},
		},
		{
			name: "subcharts missing from Chart.yaml are kept",
			chart: func() *chart.Chart {
				c := newChart("app", "", newChart("a", ""), newChart("extra", ""))
				return withDeps(c, "- {name: a, version: 1.0.0, condition: a.enabled}")
			},
			user: "a: {enabled: false}",
			want: []string{"extra"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.chart()
			opt, _ := logBuffer()
			if err := ProcessDependencies(c, parseYAML(tt.user), opt); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, depNames(c)); diff != "" {
				t.Errorf("subcharts (-want +got)\n%s", diff)
			}
			var reqs []string
			for _, r := range c.Metadata.Dependencies {
				reqs = append(reqs, r.Name)
			}
			var wantReqs []string
			for _, n := range tt.want {
				if n != "extra" {
					wantReqs = append(wantReqs, n)
				}
			}
			if diff := cmp.Diff(wantReqs, reqs); diff != "" {
				t.Errorf("Chart.yaml dependencies (-want +got)\n%s", diff)
			}
		})
	}
}

func TestProcessDependenciesNested(t *testing.T) {
	leaf := newChart("leaf", "msg: leaf")
	mid := withDeps(newChart("mid", "leaf: {enabled: true}", leaf),
		"- {name: leaf, version: 1.0.0, condition: leaf.enabled}")
	c := withDeps(newChart("app", "", mid), "- {name: mid, version: 1.0.0}")

	// The leaf's condition is read at mid.leaf.enabled in the root values.
	if err := ProcessDependencies(c, parseYAML("mid: {leaf: {enabled: false}}")); err != nil {
		t.Fatal(err)
	}
	if got := depNames(c.Dependencies()[0]); len(got) != 0 {
		t.Errorf("mid's subcharts = %v, want none", got)
	}
}

func TestProcessDependenciesAliases(t *testing.T) {
	leaf := newChart("leaf", "")
	child := withDeps(newChart("child", "port: 80", leaf), "- {name: leaf, version: 1.0.0}")
	c := newChart("app", "front: {port: 8080}", child)
	c = withDeps(c, `
- {name: child, version: 1.0.0, alias: front}
- {name: child, version: 1.0.0, alias: back, condition: back.enabled}
- {name: child, version: 1.0.0}
`)
	if err := ProcessDependencies(c, parseYAML("back: {enabled: true}")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"front", "back", "child"}, depNames(c)); diff != "" {
		t.Fatalf("subcharts (-want +got)\n%s", diff)
	}
	for _, d := range c.Dependencies() {
		if d == child || d.Parent() != c {
			t.Errorf("%s: want a copy whose parent is app", d.Name())
		}
		if got := d.Dependencies()[0]; got == leaf || got.Parent() != d {
			t.Errorf("%s: leaf must be a copy whose parent is the alias", d.Name())
		}
	}
	if child.Name() != "child" || leaf.Parent() != child {
		t.Errorf("the loaded subchart was changed: name %q", child.Name())
	}

	got, err := Coalesce(c, parseYAML("back: {enabled: true}"))
	if err != nil {
		t.Fatal(err)
	}
	want := parseYAML(`
front: {port: 8080, global: {}, leaf: {global: {}}}
back: {port: 80, enabled: true, global: {}, leaf: {global: {}}}
child: {port: 80, global: {}, leaf: {global: {}}}
`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got)\n%s", diff)
	}
}

func TestProcessDependenciesVersionMismatch(t *testing.T) {
	// A dependency whose range the subchart misses (or that has no version)
	// does not claim it: the subchart stays, unaliased.
	c := newChart("app", "", newChart("a", ""), newChart("b", ""))
	c = withDeps(c, "- {name: a, version: '>=2.0.0', alias: x}\n- {name: b, alias: y}")
	if err := ProcessDependencies(c, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, depNames(c)); diff != "" {
		t.Errorf("subcharts (-want +got)\n%s", diff)
	}
}
