package render

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func testFiles() Files {
	return NewFiles([]*chart.File{
		{Name: "config/a.yaml", Data: []byte("a: 1\n")},
		{Name: "config/b.json", Data: []byte(`{"b":2}`)},
		{Name: "config/sub/c.yaml", Data: []byte("c")},
		{Name: "README.md", Data: []byte("line1\nline2\n")},
		{Name: "bin/x", Data: []byte{0, 1, 2}},
	})
}

func TestFilesGet(t *testing.T) {
	f := testFiles()
	if got := f.Get("config/a.yaml"); got != "a: 1\n" {
		t.Errorf("Get = %q", got)
	}
	if got := f.Get("missing"); got != "" {
		t.Errorf("Get(missing) = %q, want empty", got)
	}
	if diff := cmp.Diff([]byte{0, 1, 2}, f.GetBytes("bin/x")); diff != "" {
		t.Errorf("GetBytes (-want +got):\n%s", diff)
	}
}

func TestFilesLines(t *testing.T) {
	f := testFiles()
	if diff := cmp.Diff([]string{"line1", "line2"}, f.Lines("README.md")); diff != "" {
		t.Errorf("Lines (-want +got):\n%s", diff)
	}
	if got := f.Lines("missing"); got == nil || len(got) != 0 {
		t.Errorf("Lines(missing) = %#v, want an empty list", got)
	}
}

func TestFilesGlob(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"config/*", []string{"config/a.yaml", "config/b.json"}},
		{"config/**", []string{"config/a.yaml", "config/b.json", "config/sub/c.yaml"}},
		{"**.yaml", []string{"config/a.yaml", "config/sub/c.yaml"}},
		{"config/*.{yaml,json}", []string{"config/a.yaml", "config/b.json"}},
		{"config/[ab].*", []string{"config/a.yaml", "config/b.json"}},
		{"config/[!a].*", []string{"config/b.json"}},
		{"config/?.yaml", []string{"config/a.yaml"}},
		{"README.md", []string{"README.md"}},
		{"nothing/*", nil},
		// An invalid pattern matches everything, as in Helm.
		{"config/[", []string{"README.md", "bin/x", "config/a.yaml", "config/b.json", "config/sub/c.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			var got []string
			for name := range testFiles().Glob(tt.pattern) {
				got = append(got, name)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Glob(%q) (-want +got):\n%s", tt.pattern, diff)
			}
		})
	}
}

func TestFilesAsConfigAndAsSecrets(t *testing.T) {
	f := testFiles().Glob("config/*")
	if diff := cmp.Diff("a.yaml: |\n  a: 1\nb.json: '{\"b\":2}'", f.AsConfig()); diff != "" {
		t.Errorf("AsConfig (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("a.yaml: YTogMQo=\nb.json: eyJiIjoyfQ==", f.AsSecrets()); diff != "" {
		t.Errorf("AsSecrets (-want +got):\n%s", diff)
	}
	empty := testFiles().Glob("nothing/*")
	if empty.AsConfig() != "{}" || empty.AsSecrets() != "{}" {
		t.Errorf("no files: AsConfig %q, AsSecrets %q, want {}", empty.AsConfig(), empty.AsSecrets())
	}
	var none Files
	if none.AsConfig() != "" || none.AsSecrets() != "" {
		t.Errorf("nil Files should render empty")
	}
}

func TestFilesInTemplates(t *testing.T) {
	c := newChart("c", map[string]string{
		"templates/t.yaml": `{{ .Files.Get "data/x.txt" }}|{{ range .Files.Lines "data/x.txt" }}<{{ . }}>{{ end }}|{{ (.Files.Glob "data/*").AsConfig }}`,
		"data/x.txt":       "one\ntwo\n",
	})
	got, err := renderTemplates(t, &Engine{}, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "one\ntwo\n|<one><two>|x.txt: |\n  one\n  two"
	if diff := cmp.Diff(want, got["c/templates/t.yaml"]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
