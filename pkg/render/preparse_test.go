package render

import (
	"maps"
	"slices"
	"testing"
	"text/template"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

// TestChartPreparse renders through Chart, which parses templates while
// values are processed, and checks what that parsing must not change: a
// disabled subchart's broken template is never an error, an aliased
// subchart (renamed after parsing started) renders under its alias, and a
// parse error of an enabled template is reported as without preparsing.
func TestChartPreparse(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]any
		want    []string // "# Source:" names in output order
		wantErr string
	}{
		{
			name: "disabled subchart with a broken template",
			want: []string{
				"parent/charts/other/templates/cm.yaml", "parent/charts/twin/templates/cm.yaml", "parent/templates/cm.yaml",
			},
		},
		{
			name:    "enabled subchart with a broken template",
			values:  map[string]any{"broken": map[string]any{"enabled": true}},
			wantErr: "parse error at (parent/charts/broken/templates/cm.yaml:1): unexpected \"}\" in operand",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Chart(preparseChart(), tt.values, ChartOptions{Options: Options{
				Release: ReleaseOptions{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true},
			}})
			if diff := cmp.Diff(tt.wantErr, errString(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			var got []string
			for _, m := range res.Manifests {
				got = append(got, m.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("manifests (-want +got):\n%s", diff)
			}
		})
	}
}

// preparseChart is a parent with a subchart "broken" (disabled by
// default, its template does not parse) and one chart twice: as "other"
// and under the alias "twin".
func preparseChart() *chart.Chart {
	cm := func(name string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "-{{ .Chart.Name }}\n"
	}
	parent := newChart("parent", map[string]string{"templates/cm.yaml": cm("p")})
	parent.Metadata.Dependencies = []*chart.Dependency{
		{Name: "broken", Version: "0.1.0", Condition: "broken.enabled"},
		{Name: "other", Version: "0.1.0"},
		{Name: "other", Version: "0.1.0", Alias: "twin"},
	}
	broken := newChart("broken", map[string]string{"templates/cm.yaml": "{{ .Values.x }"})
	broken.Values = map[string]any{"enabled": false}
	parent.AddDependency(broken, newChart("other", map[string]string{"templates/cm.yaml": cm("o")}))
	return parent
}

// TestParseFuncNames checks that the functions the background parser
// accepts are those the engine binds.
func TestParseFuncNames(t *testing.T) {
	for _, lookup := range []LookupFunc{nil, offlineLookup} {
		e := &Engine{Lookup: lookup}
		bound := e.bindFuncs(template.New(tplName))
		if !sameFuncNames(parseFuncNames(), bound) {
			t.Errorf("with lookup %v: parse function names differ from the engine's: %s", lookup != nil,
				cmp.Diff(slices.Sorted(maps.Keys(parseFuncNames())), slices.Sorted(maps.Keys(bound))))
		}
	}
}
