package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadDir(t *testing.T) {
	c, err := Load(basicChartDir(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"name", c.Name(), "basic"},
		{"templates", fileNames(c.Templates), []string{
			"templates/NOTES.txt", "templates/_helpers.tpl", "templates/configmap.yaml",
		}},
		{"files", fileNames(c.Files), []string{
			".helmignore", "README.md", "crds/notes.txt", "crds/widgets.yaml", "nested/secret.txt",
		}},
		{"values", c.Values, map[string]any{
			"replicas": float64(2), "ratio": 0.5, "enabled": true, "disabled": false, "name": "basic",
			"list": []any{"a", "b"}, "nested": map[string]any{"port": float64(8080)},
		}},
		{"raw values kept", strings.HasPrefix(string(c.RawValues), "# Default values"), true},
		{"schema", string(c.Schema), `{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}` + "\n"},
		{"lock", len(c.Lock.Dependencies), 2},
		{"lock digest", c.Lock.Digest, "sha256:" + strings.Repeat("0", 64)},
		{"dependencies", depNames(c), []string{"archived", "sub"}},
		{"alias", c.Metadata.Dependencies[1].Alias, "packed"},
		{"annotations", c.Metadata.Annotations, map[string]string{"example.com/owner": "team"}},
		{"subchart values", c.Dependencies()[1].Values, map[string]any{"port": float64(80)}},
		{"subchart parent", c.Dependencies()[0].Parent() == c, true},
		{"archived subchart templates", fileNames(c.Dependencies()[0].Templates), []string{"templates/secret.yaml"}},
		{"full path", c.Dependencies()[1].ChartFullPath(), "basic/charts/sub"},
		{"crds", crdNames(c), []string{"basic/crds/widgets.yaml"}},
		{"readme", string(c.Readme().Data), "# basic\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func crdNames(c *Chart) []string {
	var names []string
	for _, crd := range c.CRDObjects() {
		names = append(names, crd.Filename)
	}
	return names
}

func TestLoadV1Requirements(t *testing.T) {
	c, err := Load("testdata/v1")
	if err != nil {
		t.Fatal(err)
	}
	want := []*Dependency{{Name: "dep", Version: "1.0.0", Repository: "https://charts.example.com", Tags: []string{"backend"}}}
	if diff := cmp.Diff(want, c.Metadata.Dependencies); diff != "" {
		t.Errorf("dependencies (-want +got):\n%s", diff)
	}
	if got := c.Metadata.APIVersion; got != APIVersionV1 {
		t.Errorf("apiVersion = %q, want v1 when Chart.yaml has none", got)
	}
	if diff := cmp.Diff([]string{RequirementsLockName, RequirementsName}, fileNames(c.Files)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if c.Lock == nil || len(c.Lock.Dependencies) != 1 {
		t.Errorf("lock = %+v, want requirements.lock's one dependency", c.Lock)
	}
	if diff := cmp.Diff([]string{"dep"}, depNames(c)); diff != "" {
		t.Errorf("subcharts (-want +got):\n%s", diff)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no Chart.yaml", map[string]string{"values.yaml": "a: 1\n"}, "Chart.yaml is missing"},
		{"bad YAML", map[string]string{"Chart.yaml": "name: [\n"}, "parse Chart.yaml: error converting YAML to JSON: yaml: line 1"},
		{
			"bad values",
			map[string]string{"Chart.yaml": "apiVersion: v2\nname: a\nversion: 1.0.0\n", "values.yaml": "- a\n"},
			"parse values.yaml",
		},
		{"stray file in charts/", map[string]string{
			"Chart.yaml": "apiVersion: v2\nname: a\nversion: 1.0.0\n", "charts/README.md": "x",
		}, `load subchart charts/README.md of "a": Chart.yaml is missing`},
		{"invalid subchart", map[string]string{
			"Chart.yaml":          "apiVersion: v2\nname: a\nversion: 1.0.0\n",
			"charts/b/Chart.yaml": "apiVersion: v2\nname: b\nversion: one\n",
		}, `load subchart charts/b of "a": Chart.yaml: version: "one" is not a valid semantic version`},
		{"bad .helmignore", map[string]string{
			"Chart.yaml": "apiVersion: v2\nname: a\nversion: 1.0.0\n", ".helmignore": "# x\nfoo/**/bar\n",
		}, ".helmignore:2: pattern \"foo/**/bar\": double-star (**) syntax is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				writeFile(t, filepath.Join(dir, name), data)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDirSymlinks(t *testing.T) {
	t.Run("followed", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "Chart.yaml"), "apiVersion: v2\nname: a\nversion: 1.0.0\n")
		writeFile(t, filepath.Join(dir, "..", "shared", "cm.yaml"), "kind: ConfigMap\n")
		if err := os.Symlink(filepath.Join(dir, "..", "shared"), filepath.Join(dir, "templates")); err != nil {
			t.Fatal(err)
		}
		c, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"templates/cm.yaml"}, fileNames(c.Templates)); diff != "" {
			t.Errorf("templates (-want +got):\n%s", diff)
		}
	})
	t.Run("loop", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "Chart.yaml"), "apiVersion: v2\nname: a\nversion: 1.0.0\n")
		if err := os.Symlink(dir, filepath.Join(dir, "files")); err != nil {
			t.Fatal(err)
		}
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), "files: symbolic link loop") {
			t.Fatalf("LoadDir() error = %v, want a symbolic link loop error", err)
		}
	})
}

func TestLoadFileNotArchive(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "values.yaml")
	writeFile(t, name, "a: 1\n")
	_, err := Load(name)
	if err == nil || !strings.Contains(err.Error(), "this is a YAML file") {
		t.Fatalf("Load() error = %v, want a hint that a YAML file is not a chart", err)
	}
	_, err = Load(filepath.Join(dir, "missing"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load() error = %v, want ErrNotExist", err)
	}
}

// TestLoadCorpus loads every chart of the shared corpus. The corpus is not
// part of this repository: it sits beside the clone, at ../shared on CI and
// /work/shared on development machines, so the test runs where it exists.
// A chart may fail to load only if Helm fails on it too (expected/NAME.error)
// and our error mentions what Helm's does.
func TestLoadCorpus(t *testing.T) {
	var root string
	for _, dir := range []string{"../../../shared/corpus", "/work/shared/corpus"} {
		if _, err := os.Stat(dir); err == nil {
			root = dir
			break
		}
	}
	if root == "" {
		t.Log("no chart corpus beside the repository; nothing to load")
		return
	}
	entries, err := os.ReadDir(filepath.Join(root, "charts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			_, err := Load(filepath.Join(root, "charts", e.Name()))
			if err == nil {
				return
			}
			data, readErr := os.ReadFile(filepath.Join(root, "expected", e.Name()+".error"))
			if readErr != nil {
				t.Fatalf("%v (and Helm loads this chart)", err)
			}
			var expected struct{ Mentions string }
			if err := json.Unmarshal(data, &expected); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(err.Error(), expected.Mentions) {
				t.Errorf("error %q does not mention %q", err, expected.Mentions)
			}
		})
	}
}

func TestLoadDirLimits(t *testing.T) {
	t.Run("file over 5 MiB", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "Chart.yaml"), chartYAML)
		writeFile(t, filepath.Join(dir, "files", "big"), strings.Repeat("x", MaxFileSize+1))
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), "files/big: file is 5242881 bytes, over the 5 MiB limit") {
			t.Fatalf("LoadDir() error = %v, want the file size limit", err)
		}
	})
	t.Run("files over 100 MiB", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "Chart.yaml"), chartYAML)
		for i := range MaxArchiveSize/MaxFileSize + 1 {
			// Sparse files: the size counts, not the disk used.
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%02d", i)))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(MaxFileSize); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		_, err := LoadDir(dir)
		if err == nil || !strings.Contains(err.Error(), "the chart's files add up to more than 100 MiB") {
			t.Fatalf("LoadDir() error = %v, want the chart size limit", err)
		}
	})
}
