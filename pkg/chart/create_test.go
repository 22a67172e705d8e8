package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path, err := Create("web-app", dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if errs := LintMetadata(c.Metadata); len(errs) != 0 {
		t.Errorf("LintMetadata() = %v, want none", errs)
	}
	want := []string{
		"templates/NOTES.txt", "templates/_helpers.tpl", "templates/deployment.yaml", "templates/hpa.yaml",
		"templates/ingress.yaml", "templates/service.yaml", "templates/serviceaccount.yaml",
	}
	if diff := cmp.Diff(want, fileNames(c.Templates)); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{".helmignore", "README.md"}, fileNames(c.Files)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	for _, f := range c.Raw {
		if strings.Contains(string(f.Data), starterPlaceholder) {
			t.Errorf("%s still holds %s", f.Name, starterPlaceholder)
		}
	}
	if !strings.Contains(string(c.Templates[1].Data), `define "web-app.fullname"`) {
		t.Errorf("helpers do not define web-app.fullname")
	}
	if c.Values["autoscaling"].(map[string]any)["enabled"] != false {
		t.Errorf("autoscaling is on by default, want off")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Create left %d entries in %s, want the chart only", len(entries), dir)
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"Web", `invalid name "Web"`},
		{"web_app", `invalid name "web_app"`},
		{"9web", `invalid name "9web"`},
		{"web-", `invalid name "web-"`},
		{"../web", `invalid name "../web"`},
		{strings.Repeat("a", 54), "invalid name"},
		{"taken", "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Create(tt.name, dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Create(%q) error = %v, want it to contain %q", tt.name, err, tt.want)
			}
		})
	}
}
