package lint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render"
)

func kubeVersion(t *testing.T, v string) *render.KubeVersion {
	t.Helper()
	kv, err := render.ParseKubeVersion(v)
	if err != nil {
		t.Fatal(err)
	}
	return &kv
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

const (
	dns1035Msg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " +
		"alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used " +
		"for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
	dns1123Msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
		"and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
		"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)

func TestLint(t *testing.T) {
	tests := []struct {
		chart string
		opts  Options
		want  []Message
	}{
		{chart: "good", want: []Message{}},
		{chart: "required", want: []Message{}},
		{chart: "required", opts: Options{Values: map[string]any{"broken": true}}, want: []Message{}},
		{chart: "no-icon", want: []Message{{SeverityInfo, "Chart.yaml", "icon is recommended"}}},
		{chart: "no-values", want: []Message{{SeverityInfo, "values.yaml", "file does not exist"}}},
		{chart: "no-templates", want: []Message{{SeverityWarning, "templates/", "directory does not exist"}}},
		{chart: "loose-version", want: []Message{{SeverityWarning, "Chart.yaml", "version '1.0' is not a valid SemVerV2"}}},
		{chart: "numeric-version", want: []Message{
			{SeverityError, "Chart.yaml", "appVersion should be of type string but it's of type float64"},
		}},
		{chart: "bad-maintainer", want: []Message{
			{SeverityError, "Chart.yaml", "invalid email 'not-an-email' for maintainer 'ops'"},
		}},
		{chart: "schema", want: []Message{
			{SeverityError, "values.yaml", "- at '': missing property 'replicas'"},
			{SeverityError, "templates/", "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
				"schema:\n- at '': missing property 'replicas'"},
		}},
		{chart: "schema", opts: Options{Values: map[string]any{"replicas": 2}}, want: []Message{}},
		{chart: "schema", opts: Options{SkipSchemaValidation: true}, want: []Message{}},
		{chart: "parse-error", want: []Message{
			{SeverityError, "templates/", "parse error at (parse-error/templates/configmap.yaml:5): " +
				"unclosed action started at parse-error/templates/configmap.yaml:4"},
		}},
		{chart: "bad-extension", want: []Message{
			{SeverityError, "templates/data.json", "file extension '.json' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"},
		}},
		{chart: "indent", want: []Message{
			{
				SeverityWarning, "templates/configmap.yaml",
				`document starts with an illegal indent: "  apiVersion: v1", which may cause parsing problems`,
			},
		}},
		{chart: "bad-yaml", want: []Message{
			{
				SeverityError, "templates/configmap.yaml",
				"unable to parse YAML: error converting YAML to JSON: yaml: line 6: did not find expected ',' or ']'",
			},
		}},
		{chart: "bad-name", want: []Message{
			{SeverityWarning, "templates/service.yaml", `object name does not conform to Kubernetes naming requirements: ` +
				`"web.svc": metadata.name: Invalid value: "web.svc": ` + dns1035Msg},
		}},
		{chart: "no-kind", want: []Message{
			{SeverityWarning, "templates/configmap.yaml", "object has no apiVersion and no kind"},
		}},
		{chart: "deprecated", opts: Options{KubeVersion: kubeVersion(t, "1.20.0")}, want: []Message{}},
		{chart: "deprecated", opts: Options{KubeVersion: kubeVersion(t, "1.21.0")}, want: []Message{
			{
				SeverityWarning, "templates/pdb.yaml",
				"policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1 PodDisruptionBudget",
			},
		}},
		{chart: "no-selector", want: []Message{
			{SeverityError, "templates/deployment.yaml", `a Deployment must contain matchLabels or matchExpressions, and "web" does not`},
		}},
		{chart: "list-policy", want: []Message{
			{
				SeverityWarning, "templates/list.yaml",
				`object name does not conform to Kubernetes naming requirements: "": metadata.name: Invalid value: "": ` + dns1123Msg,
			},
			{SeverityError, "templates/list.yaml", "annotation 'helm.sh/resource-policy' within List objects are ignored"},
		}},
		{chart: "dependencies", want: []Message{
			{SeverityError, absPath(t, "testdata/dependencies"), "chart metadata is missing these dependencies: unlisted"},
			{SeverityWarning, absPath(t, "testdata/dependencies"), "chart directory is missing these dependencies: missing"},
		}},
		{chart: "crds", want: []Message{
			{SeverityError, "crds/bad.yaml", "apiVersion is not in 'apiextensions.k8s.io'"},
			{SeverityError, "crds/bad.yaml", "object kind is not 'CustomResourceDefinition'"},
		}},
		{chart: "subcharts", want: []Message{}},
		{chart: "no-chartfile", want: []Message{
			{SeverityError, "", "unable to check Chart.yaml file in chart: stat testdata/no-chartfile/Chart.yaml: no such file or directory"},
		}},
		{chart: "unknown-field", want: []Message{
			{SeverityWarning, "Chart.yaml", "failed to strictly parse chart metadata file\n\t" +
				`error unmarshaling JSON: while decoding JSON: json: unknown field "homepage"`},
		}},
		{chart: "absent", want: []Message{
			{SeverityError, "", "unable to check Chart.yaml file in chart: stat testdata/absent/Chart.yaml: no such file or directory"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.chart, func(t *testing.T) {
			res := Lint(filepath.Join("testdata", tt.chart), tt.opts)
			if diff := cmp.Diff(tt.want, res.Messages); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultFailed(t *testing.T) {
	tests := []struct {
		name       string
		sev        []Severity
		want, strc bool
	}{
		{name: "clean"},
		{name: "info", sev: []Severity{SeverityInfo}},
		{name: "warning", sev: []Severity{SeverityInfo, SeverityWarning}, strc: true},
		{name: "error", sev: []Severity{SeverityError, SeverityWarning}, want: true, strc: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &Result{}
			for _, s := range tt.sev {
				res.Messages = append(res.Messages, Message{Severity: s})
			}
			if got := res.Failed(false); got != tt.want {
				t.Errorf("Failed(false) = %v, want %v", got, tt.want)
			}
			if got := res.Failed(true); got != tt.strc {
				t.Errorf("Failed(true) = %v, want %v", got, tt.strc)
			}
		})
	}
}

func TestMessageFormats(t *testing.T) {
	res := &Result{Chart: "web", Messages: []Message{{SeverityError, "templates/x.yaml", "bad"}, {SeverityInfo, "", "note"}}}
	if got, want := res.Messages[0].String(), "[ERROR] templates/x.yaml: bad"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := res.Messages[1].String(), "[INFO] note"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	b, err := json.Marshal([]*Result{res, {Chart: "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"chart":"web","messages":[{"severity":"ERROR","path":"templates/x.yaml","message":"bad"},` +
		`{"severity":"INFO","path":"","message":"note"}]},{"chart":"empty","messages":[]}]`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	var back []*Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Messages, back[0].Messages); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestSubchartPaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"charts/a/Chart.yaml", "charts/a/charts/b/Chart.yaml", "charts/c-1.0.0.tgz", "charts/README.md"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		filepath.Join(dir, "charts/a"), filepath.Join(dir, "charts/a/charts/b"), filepath.Join(dir, "charts/c-1.0.0.tgz"),
	}
	if diff := cmp.Diff(want, SubchartPaths(dir)); diff != "" {
		t.Errorf("SubchartPaths (-want +got):\n%s", diff)
	}
	if got := SubchartPaths(filepath.Join(dir, "charts/c-1.0.0.tgz")); got != nil {
		t.Errorf("SubchartPaths of an archive = %v, want none", got)
	}
}

// A packaged chart lints as its directory does.
func TestLintArchive(t *testing.T) {
	for _, name := range []string{"crds", "no-selector", "schema"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			c, err := chart.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			archive, err := chart.Save(c, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			want := Lint(dir, Options{}).Messages
			if diff := cmp.Diff(want, Lint(archive, Options{}).Messages); diff != "" {
				t.Errorf("messages of the archive (-dir +archive):\n%s", diff)
			}
		})
	}
}

// The chart berth create writes lints clean but for its missing icon.
func TestStarterLintsClean(t *testing.T) {
	dir, err := chart.Create("starter", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{{SeverityInfo, "Chart.yaml", "icon is recommended"}}
	if diff := cmp.Diff(want, Lint(dir, Options{Namespace: "default"}).Messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
