package render

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func TestEngineFunctions(t *testing.T) {
	tests := []struct {
		name   string
		tpl    string
		values map[string]any
		want   string
	}{
		{"toYaml", `{{ toYaml .Values.m }}`, map[string]any{"m": map[string]any{"b": 1, "a": []any{"x"}}}, "a:\n- x\nb: 1"},
		{"mustToYaml", `{{ mustToYaml .Values.m }}`, map[string]any{"m": map[string]any{"a": "b"}}, "a: b"},
		{"toYamlPretty indents lists", `{{ toYamlPretty .Values.m }}`, map[string]any{"m": map[string]any{"a": []any{"x"}}}, "a:\n  - x"},
		{"fromYaml", `{{ (fromYaml "a: 1\nb: two").b }}`, nil, "two"},
		{"fromYaml error", `{{ (fromYaml "a: [").Error }}`, nil, "error converting YAML to JSON: yaml: line 1: did not find expected node content"},
		{"fromYamlArray", `{{ index (fromYamlArray "- a\n- b") 1 }}`, nil, "b"},
		{"fromYamlArray error is one item", `{{ len (fromYamlArray "a: b") }}`, nil, "1"},
		{"toJson", `{{ toJson .Values.m }}`, map[string]any{"m": map[string]any{"a": 1, "b": "<"}}, `{"a":1,"b":"\u003c"}`},
		{"mustToJson", `{{ mustToJson .Values.m }}`, map[string]any{"m": []any{1, "x"}}, `[1,"x"]`},
		{"fromJson", `{{ (fromJson "{\"a\":{\"b\":2}}").a.b }}`, nil, "2"},
		{"fromJson error", `{{ hasKey (fromJson "{") "Error" }}`, nil, "true"},
		{"fromJsonArray", `{{ last (fromJsonArray "[1,2,3]") }}`, nil, "3"},
		{"toToml keeps numbers as decoded, as Helm 4.3", `{{ toToml .Values.m }}`, map[string]any{"m": map[string]any{"n": 9.0, "f": 1.5}}, "f = 1.5\nn = 9.0\n"},
		{"mustToToml", `{{ mustToToml .Values.m }}`, map[string]any{"m": map[string]any{"s": "x"}}, "s = \"x\"\n"},
		{"fromToml", `{{ (fromToml "a = \"b\"").a }}`, nil, "b"},
		{"sprig is there", `{{ "abc" | upper | quote }} {{ list 1 2 | len }}`, nil, `"ABC" 2`},
		{"env is removed", `{{ if hasKey . "x" }}{{ end }}ok`, nil, "ok"},
		{"getHostByName is offline", `[{{ getHostByName "example.com" }}]`, nil, "[]"},
		{"lookup offline is an empty map", `{{ lookup "v1" "Secret" "ns" "x" | len }}`, nil, "0"},
		{"include pipes output", `{{ define "x" }}[{{ . }}]{{ end }}{{ include "x" "a" | upper }}`, nil, "[A]"},
		{"tpl renders values as templates", `{{ tpl .Values.t . }}`, map[string]any{"t": "{{ .Release.Name }}-{{ .Values.n }}", "n": 3}, "rel-3"},
		{"tpl can include defines", `{{ define "d" }}D{{ end }}{{ tpl "{{ include \"d\" . }}" . }}`, nil, "D"},
		{"tpl defines do not leak", `{{ tpl "{{ define \"leak\" }}L{{ end }}x" . }}`, nil, "x"},
		{"tpl nests", `{{ tpl "{{ tpl \"{{ .Release.Name }}\" . }}" . }}`, nil, "rel"},
		{"tpl defines are seen by its own text", `{{ tpl "{{ define \"x\" }}X{{ end }}{{ include \"x\" . }}" . }}`, nil, "X"},
		{
			"nested tpl sees the defines of the outer text", `{{ tpl .Values.t . }}`,
			map[string]any{"t": `{{ define "q" }}Q{{ end }}{{ tpl .Values.inner . }}`, "inner": `{{ include "q" . }}`},
			"Q",
		},
		{"tpl of empty texts", `{{ tpl "a" . }}{{ tpl "" . }}[{{ tpl " " . }}]`, nil, "a[ ]"},
		{"required passes a value", `{{ required "need x" .Values.x }}`, map[string]any{"x": "v"}, "v"},
		{"missing key renders empty", `[{{ .Values.nope }}][{{ .Values.a.b }}]`, map[string]any{"a": map[string]any{}}, "[][]"},
		{"Template.Name and BasePath", `{{ .Template.Name }} {{ .Template.BasePath }}`, nil, "c/templates/t.yaml c/templates"},
		{"Release", `{{ .Release.Name }} {{ .Release.Namespace }} {{ .Release.IsInstall }} {{ .Release.IsUpgrade }} {{ .Release.Revision }} {{ .Release.Service }}`, nil, "rel ns true false 1 Helm"},
		{"Chart", `{{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.AppVersion }} {{ .Chart.IsRoot }}`, nil, "c 0.1.0 1.0 true"},
		{
			"Chart is a map of Go field names", `[{{ .Chart.NoSuchField }}] {{ toJson .Chart }}`, nil,
			`[] {"APIVersion":"v2","Annotations":null,"AppVersion":"1.0","Condition":"","Dependencies":[],"Deprecated":false,"Description":"","Home":"","Icon":"","IsRoot":true,"Keywords":[],"KubeVersion":"","Maintainers":[],"Name":"c","Sources":[],"Tags":"","Type":"","Version":"0.1.0"}`,
		},
		{
			"durations", `{{ durationSeconds "1h2m" }} {{ durationMilliseconds 90 }} {{ durationMinutes "2.5" }} {{ durationHours "bad" }} {{ durationDays "48h" }} {{ durationWeeks "336h" }}`, nil,
			"3720 90000 0.041666666666666664 0 2 2",
		},
		{
			"duration rounding", `{{ durationRoundTo "1h29m" "1h" }} {{ durationTruncateTo "1h59m" "1h" }} {{ mustToDuration "90s" }} {{ durationNanoseconds 1.5 }} {{ durationMicroseconds "1ms" }} {{ durationRoundTo "x" "1h" }} {{ durationRoundTo "90m" "x" }}`, nil,
			"1h0m0s 1h0m0s 1m30s 1500000000 1000 0s 1h30m0s",
		},
		{"Capabilities.KubeVersion", `{{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.KubeVersion.GitVersion }} {{ .Capabilities.KubeVersion }}`, nil, "v1.33.0 1 33 v1.33.0 v1.33.0"},
		{"Capabilities.APIVersions", `{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "apiextensions.k8s.io/v1" }} {{ .Capabilities.APIVersions.Has "nope/v1" }}`, nil, "true true false"},
		{"semverCompare on KubeVersion", `{{ semverCompare ">=1.25-0" .Capabilities.KubeVersion.Version }}`, nil, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChart("c", map[string]string{"templates/t.yaml": tt.tpl})
			got, err := renderTemplates(t, &Engine{}, c, tt.values)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			if diff := cmp.Diff(tt.want, got["c/templates/t.yaml"]); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEngineErrors(t *testing.T) {
	tests := []struct {
		name    string
		tpl     string
		strict  bool
		values  map[string]any
		wantErr string
	}{
		{
			"required nil", "a: 1\nb: {{ required \"set b please\" .Values.b }}", false, nil,
			"execution error at (c/templates/t.yaml:2:6): set b please",
		},
		{
			"required empty string", `{{ required "x is empty" .Values.x }}`, false,
			map[string]any{"x": ""},
			"execution error at (c/templates/t.yaml:1:3): x is empty",
		},
		{"fail", "\n  {{ fail \"no way\" }}", false, nil, "execution error at (c/templates/t.yaml:2:5): no way"},
		{"required inside tpl", `{{ tpl "{{ required \"inner\" .Values.z }}" . }}`, false, nil, "inner"},
		{
			"strict inside tpl", `{{ tpl "{{ .Values.nope }}" . }}`, true, nil,
			`error during tpl function execution for "{{ .Values.nope }}": template: gotpl:1:10: executing "gotpl" at <.Values.nope>: map has no entry for key "nope"`,
		},
		{
			"strict inside tpl with defines", `{{ tpl "{{ define \"d\" }}{{ .Values.nope }}{{ end }}{{ include \"d\" . }}" . }}`, true, nil,
			`executing "d" at <.Values.nope>: map has no entry for key "nope"`,
		},
		{"tpl parse error", `{{ tpl "{{ if }}" . }}`, false, nil, `cannot parse template "{{ if }}": template: gotpl:1: missing value for if`},
		{"parse error names file and line", "ok\n{{ if }}", false, nil, "parse error at (c/templates/t.yaml:2): missing value for if"},
		{"unknown function", "{{ nosuchfunc }}", false, nil, `function "nosuchfunc" not defined`},
		{
			"include of a missing template", "x\n {{ include \"missing\" . }}", false, nil,
			// Helm 4 prints the chain of templates one step a line.
			"c/templates/t.yaml:2:4\n  executing \"c/templates/t.yaml\" at <include \"missing\" .>:\n    error calling include:\n" +
				`template: no template "missing" associated with template "gotpl"`,
		},
		{"strict fails on missing keys", "{{ .Values.nope }}", true, nil, `map has no entry for key "nope"`},
		{"env is not a function", `{{ env "HOME" }}`, false, nil, `function "env" not defined`},
		{"mustToDuration fails on garbage", `{{ mustToDuration "soon" }}`, false, nil, `could not parse duration "soon"`},
		{
			"recursive include", `{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}`, false, nil,
			"rendering template has a nested reference name: r",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChart("c", map[string]string{"templates/t.yaml": tt.tpl})
			_, err := renderTemplates(t, &Engine{Strict: tt.strict}, c, tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestEngineLintModeIgnoresRequiredAndFail(t *testing.T) {
	c := newChart("c", map[string]string{"templates/t.yaml": `a{{ required "x" .Values.x }}{{ fail "f" }}b`})
	got, err := renderTemplates(t, &Engine{LintMode: true}, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got["c/templates/t.yaml"] != "ab" {
		t.Errorf("output = %q, want %q", got["c/templates/t.yaml"], "ab")
	}
}

func TestEngineLookupIsInjected(t *testing.T) {
	c := newChart("c", map[string]string{"templates/t.yaml": `{{ (lookup "v1" "ConfigMap" "ns" "cm").data.k }}`})
	var gotArgs []string
	e := &Engine{Lookup: func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		gotArgs = []string{apiVersion, kind, namespace, name}
		return map[string]any{"data": map[string]any{"k": "v"}}, nil
	}}
	got, err := renderTemplates(t, e, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got["c/templates/t.yaml"] != "v" {
		t.Errorf("output = %q, want v", got["c/templates/t.yaml"])
	}
	if diff := cmp.Diff([]string{"v1", "ConfigMap", "ns", "cm"}, gotArgs); diff != "" {
		t.Errorf("lookup arguments (-want +got):\n%s", diff)
	}
	e.Lookup = func(string, string, string, string) (map[string]any, error) { return nil, errors.New("forbidden") }
	if _, err := renderTemplates(t, e, c, nil); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("error = %v, want the lookup error", err)
	}
}

// subchartTree is a parent with a subchart and a library chart, each with
// templates, partials and a define of the same name.
func subchartTree() *chart.Chart {
	parent := newChart("parent", map[string]string{
		"templates/_helpers.tpl": `{{ define "shared" }}parent{{ end }}`,
		"templates/cm.yaml":      `{{ include "shared" . }} {{ .Values.x }} {{ .Subcharts.child.Values.y }} {{ .Chart.IsRoot }} {{ include "lib.name" . }}`,
	})
	child := newChart("child", map[string]string{
		"templates/_helpers.tpl": `{{ define "shared" }}child{{ end }}{{ define "child.only" }}c{{ end }}`,
		"templates/cm.yaml":      `{{ include "shared" . }} {{ include "child.only" . }} {{ .Values.y }} {{ .Values.global.g }} {{ .Chart.IsRoot }} {{ .Chart.Name }} {{ .Template.BasePath }}`,
	})
	lib := newChart("lib", map[string]string{
		"templates/_lib.tpl":  `{{ define "lib.name" }}lib{{ end }}`,
		"templates/cm.yaml":   `never rendered`,
		"templates/NOTES.txt": `never rendered`,
	})
	lib.Metadata.Type = chart.TypeLibrary
	parent.AddDependency(child, lib)
	return parent
}

func TestEngineSubchartsAndDefinePrecedence(t *testing.T) {
	values := map[string]any{
		"x":      "px",
		"global": map[string]any{"g": "G"},
		"child":  map[string]any{"y": "cy", "global": map[string]any{"g": "G"}},
	}
	got, err := renderTemplates(t, &Engine{}, subchartTree(), values)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"parent/templates/cm.yaml":              "parent px cy true lib",
		"parent/charts/child/templates/cm.yaml": "parent c cy G false child parent/charts/child/templates",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rendered templates (-want +got):\n%s", diff)
	}
}

func TestEngineSubchartValuesNotAMap(t *testing.T) {
	parent := newChart("p", map[string]string{"templates/a.yaml": "a"})
	child := newChart("c", map[string]string{"templates/b.yaml": "[{{ .Values.k }}]"})
	parent.AddDependency(child)
	got, err := renderTemplates(t, &Engine{}, parent, map[string]any{"c": "scalar"})
	if err != nil {
		t.Fatal(err)
	}
	if got["p/charts/c/templates/b.yaml"] != "[]" {
		t.Errorf("subchart output = %q, want []", got["p/charts/c/templates/b.yaml"])
	}
}

func TestSortTemplatesFavoursShallowNames(t *testing.T) {
	tpls := map[string]renderable{"a/b/c": {}, "a/x": {}, "a/y": {}, "a/b/d": {}}
	want := []string{"a/b/d", "a/b/c", "a/y", "a/x"}
	if diff := cmp.Diff(want, sortTemplates(tpls)); diff != "" {
		t.Errorf("parse order (-want +got):\n%s", diff)
	}
}

// TestEngineEnableDNS: getHostByName resolves only with EnableDNS (the
// machine resolves localhost without a network), and renders "" for a name
// that does not resolve instead of failing.
func TestEngineEnableDNS(t *testing.T) {
	c := newChart("c", map[string]string{"templates/t.yaml": `[{{ getHostByName "localhost" }}][{{ getHostByName "no-such-host.invalid" }}]`})
	got, err := renderTemplates(t, &Engine{}, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got["c/templates/t.yaml"] != "[][]" {
		t.Errorf("without EnableDNS: %q, want [][]", got["c/templates/t.yaml"])
	}
	got, err = renderTemplates(t, &Engine{EnableDNS: true}, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out := got["c/templates/t.yaml"]; out != "[127.0.0.1][]" && out != "[::1][]" {
		t.Errorf("with EnableDNS: %q, want localhost's address and nothing for .invalid", out)
	}
}
