package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const templateChart = "testdata/template/web"

func TestTemplateGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"default", []string{"template", "rel", templateChart, "--kube-version", "1.33.0"}},
		{"release-name", []string{"template", templateChart}},
		{"flags", []string{
			"template", "rel", templateChart, "-n", "prod", "--kube-version", "1.29.1", "--is-upgrade",
			"--api-versions", "example.com/v1,other/v1", "-f", "testdata/template/prod.yaml", "--set", "replicas=3",
			"--include-crds", "--skip-tests",
		}},
		{"no-hooks-patched", []string{
			"template", "rel", templateChart, "--no-hooks", "--kube-version", "1.33.0",
			"--post-renderer-patch", "testdata/template/patches.yaml",
		}},
		{"show-only", []string{
			"template", "rel", templateChart, "--show-only", "templates/svc.yaml",
			"--show-only", "templates/deploy.yaml", "--kube-version", "1.33.0",
		}},
		{"skip-crds-has-no-effect", []string{
			"template", "rel", templateChart, "--include-crds", "--skip-crds", "--no-hooks",
			"--kube-version", "1.33.0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != ExitOK {
				t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
			}
			golden := filepath.Join("testdata", "template", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no chart", []string{"template"}, ExitUsage, `"berth template" needs NAME CHART`},
		{"bad release name", []string{"template", "Bad_Name", templateChart}, ExitUsage, `invalid release name "Bad_Name"`},
		{"bad kube version", []string{"template", "rel", templateChart, "--kube-version", "x.y"}, ExitUsage, "invalid --kube-version"},
		{"missing chart", []string{"template", "rel", "testdata/template/nope"}, ExitError, "nope"},
		{
			"show-only unknown",
			[]string{"template", "rel", templateChart, "--show-only", "templates/x.yaml"},
			ExitError,
			"could not find template templates/x.yaml in chart",
		},
		{"bad set-json", []string{"template", "rel", templateChart, "--set-json", "a={"}, ExitError, "--set-json"},
		{
			"invalid YAML",
			[]string{"template", "rel", "testdata/template/badyaml"},
			ExitError,
			"YAML parse error on badyaml/templates/bad.yaml (document starting at line 4 of the rendered output)",
		},
		{
			"missing patch file",
			[]string{"template", "rel", templateChart, "--post-renderer-patch", "nope.yaml"},
			ExitError,
			"--post-renderer-patch",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.wantCode, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout should be empty on error, got %q", stdout)
			}
		})
	}
}

func TestTemplateOutputDir(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := run(t, "template", "rel", templateChart, "--output-dir", dir, "--release-name", "--include-crds")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	for _, f := range []string{"web/crds/crd.yaml", "rel/web/templates/deploy.yaml", "rel/web/templates/svc.yaml", "rel/web/templates/test.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !strings.HasPrefix(string(data), "---\n# Source: ") {
			t.Errorf("%s does not start with a source header: %q", f, data)
		}
		if !strings.Contains(stderr, "wrote "+filepath.Join(dir, f)) {
			t.Errorf("stderr does not report %s:\n%s", f, stderr)
		}
	}
}

func TestTemplateDebugPrintsInvalidYAML(t *testing.T) {
	code, stdout, stderr := run(t, "template", "rel", "testdata/template/badyaml", "--debug")
	if code != ExitError {
		t.Fatalf("exit %d, want %d", code, ExitError)
	}
	want := "---\n# Source: badyaml/templates/bad.yaml\nkind: ConfigMap\n---\n\nkind: Secret\n  data: [\n\n"
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if strings.Contains(stderr, "Use --debug") {
		t.Errorf("hint printed with --debug: %s", stderr)
	}
}
