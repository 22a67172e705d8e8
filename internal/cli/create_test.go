package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/internal/testenv/tree"
)

func TestCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "charts", "web")
	code, stdout, stderr := run(t, "create", path)
	if code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if diff := cmp.Diff(path+"\n", stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	code, _, stderr = run(t, "create", path)
	if code != ExitError || !strings.Contains(stderr, "already exists") {
		t.Errorf("second create: exit code %d, stderr %q; want a refusal to overwrite", code, stderr)
	}
	code, _, stderr = run(t, "create", filepath.Join(t.TempDir(), "Web"))
	if code != ExitError || !strings.Contains(stderr, `invalid name "Web"`) {
		t.Errorf("create Web: exit code %d, stderr %q; want an invalid name error", code, stderr)
	}
}

// TestCreateRenders renders the new chart with berth template, with its
// defaults and with every optional part switched on, and checks that it
// gives the objects expected, each valid YAML.
func TestCreateRenders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "web")
	if code, _, stderr := run(t, "create", path); code != ExitOK {
		t.Fatalf("create: exit code %d: %s", code, stderr)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"defaults", nil, []string{"ServiceAccount/shop-web", "Service/shop-web", "Deployment/shop-web"}},
		{
			"everything on",
			[]string{
				"--set", "ingress.enabled=true,autoscaling.enabled=true,serviceAccount.create=false",
				"--set", "ingress.tls[0].secretName=web-tls,ingress.tls[0].hosts[0]=web.example.com",
			},
			[]string{"Service/shop-web", "Deployment/shop-web", "HorizontalPodAutoscaler/shop-web", "Ingress/shop-web"},
		},
		{
			"release named after the chart",
			[]string{"--set", "replicaCount=3"},
			[]string{"ServiceAccount/shop-web", "Service/shop-web", "Deployment/shop-web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"template", "shop", path}, tt.args...)
			code, stdout, stderr := run(t, args...)
			if code != ExitOK {
				t.Fatalf("template: exit code %d: %s", code, stderr)
			}
			if diff := cmp.Diff(tt.want, renderedObjects(t, stdout)); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
		})
	}
	code, _, stderr := run(t, "template", "shop", path, "--set", "service.port=http")
	if code == ExitOK || !strings.Contains(stderr, "service") {
		t.Errorf("template with a bad port: exit code %d, stderr %q; want the schema to reject it", code, stderr)
	}
}

// renderedObjects lists Kind/name of each document of a rendered stream,
// failing the test on a document that is not valid YAML.
func renderedObjects(t *testing.T, stream string) []string {
	t.Helper()
	var objects []string
	for _, doc := range strings.Split(stream, "\n---\n") {
		var obj struct {
			Kind     string
			Metadata struct{ Name string }
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("invalid YAML: %v\n%s", err, doc)
		}
		if obj.Kind != "" {
			objects = append(objects, obj.Kind+"/"+obj.Metadata.Name)
		}
	}
	return objects
}

// TestCreateFromStarter: --starter copies a starter chart (by path, or by
// name from Helm's starters directory) with <CHARTNAME> replaced.
func TestCreateFromStarter(t *testing.T) {
	data := t.TempDir()
	t.Setenv("HELM_DATA_HOME", data)
	starter := filepath.Join(data, "starters", "svc")
	tree.Write(t, starter, map[string]string{
		"Chart.yaml":       "apiVersion: v2\nname: svc\nversion: 0.1.0\n# kept\n",
		"values.yaml":      "# the <CHARTNAME> service\nport: 80\n",
		"templates/s.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: <CHARTNAME>-{{ .Release.Name }}\n",
	})
	for _, from := range []string{"svc", starter} {
		path := filepath.Join(t.TempDir(), "api")
		runOK(t, "create", path, "-p", from)
		chartYAML, err := os.ReadFile(filepath.Join(path, "Chart.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(chartYAML), "name: api\n") || !strings.Contains(string(chartYAML), "# kept") {
			t.Errorf("--starter %s: Chart.yaml\n%s", from, chartYAML)
		}
		out := runOK(t, "template", "r", path)
		if !strings.Contains(out, "name: api-r") {
			t.Errorf("--starter %s: the placeholder was not replaced:\n%s", from, out)
		}
	}
	code, _, stderr := run(t, "create", filepath.Join(t.TempDir(), "x"), "--starter", "nope")
	if code != ExitError || !strings.Contains(stderr, "starters/nope") {
		t.Errorf("unknown starter: exit %d, %s", code, stderr)
	}
}
