package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSaveIsReproducible(t *testing.T) {
	dir := basicChartDir(t)
	first := saveBytes(t, dir)
	// Touch every file: modification times must not reach the archive.
	later := time.Now().Add(time.Hour)
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, later, later)
	})
	if err != nil {
		t.Fatal(err)
	}
	if second := saveBytes(t, dir); !bytes.Equal(first, second) {
		t.Fatal("packing the same chart twice gave different bytes")
	}
	// Loading the archive and packing it again gives the same bytes too.
	c, err := LoadArchive(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteArchive(&again, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again.Bytes()) {
		t.Fatal("repacking a packed chart gave different bytes")
	}
}

func saveBytes(t *testing.T, dir string) []byte {
	t.Helper()
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	name, err := Save(c, out)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(out, "basic-1.2.3.tgz"); name != want {
		t.Errorf("Save() = %q, want %q", name, want)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("Save left %d files in the output directory, want 1", len(entries))
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSaveLayout(t *testing.T) {
	data := saveBytes(t, basicChartDir(t))
	want := []string{
		"basic/Chart.yaml",
		"basic/Chart.lock",
		"basic/values.yaml",
		"basic/values.schema.json",
		"basic/templates/NOTES.txt",
		"basic/templates/_helpers.tpl",
		"basic/templates/configmap.yaml",
		"basic/.helmignore",
		"basic/README.md",
		"basic/crds/notes.txt",
		"basic/crds/widgets.yaml",
		"basic/nested/secret.txt",
		"basic/charts/archived/Chart.yaml",
		"basic/charts/archived/values.yaml",
		"basic/charts/archived/templates/secret.yaml",
		"basic/charts/sub/Chart.yaml",
		"basic/charts/sub/values.yaml",
		"basic/charts/sub/templates/service.yaml",
	}
	if diff := cmp.Diff(want, archiveNames(t, data)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	for _, src := range []string{"basic", "testdata/v1"} {
		t.Run(src, func(t *testing.T) {
			dir := src
			if src == "basic" {
				dir = basicChartDir(t)
			}
			want, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			name, err := Save(want, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			got, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			compareCharts(t, want, got)
		})
	}
}

// compareCharts compares what packing keeps: metadata, lock, values,
// schema, templates, files and subcharts (expanded, by name).
func compareCharts(t *testing.T, want, got *Chart) {
	t.Helper()
	opts := []cmp.Option{
		cmpopts.IgnoreFields(File{}, "ModTime"),
		cmpopts.SortSlices(func(a, b *File) bool { return a.Name < b.Name }),
		cmpopts.EquateEmpty(),
	}
	for _, pair := range []struct {
		name      string
		want, got any
	}{
		{"metadata", want.Metadata, got.Metadata},
		{"lock", want.Lock, got.Lock},
		{"values", want.Values, got.Values},
		{"raw values", string(want.RawValues), string(got.RawValues)},
		{"schema", string(want.Schema), string(got.Schema)},
		{"templates", want.Templates, got.Templates},
		{"files", want.Files, got.Files},
		{"dependencies", depNames(want), depNames(got)},
	} {
		if diff := cmp.Diff(pair.want, pair.got, opts...); diff != "" {
			t.Errorf("%s of %s (-want +got):\n%s", pair.name, want.ChartFullPath(), diff)
		}
	}
	byName := map[string]*Chart{}
	for _, d := range got.Dependencies() {
		byName[d.Name()] = d
	}
	for _, d := range want.Dependencies() {
		if g := byName[d.Name()]; g != nil {
			compareCharts(t, d, g)
		}
	}
}

func TestSaveOverrides(t *testing.T) {
	c, err := LoadDir("testdata/archived")
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata.Version = "0.2.0-rc.1"
	c.Metadata.AppVersion = "9.9"
	name, err := Save(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(name) != "archived-0.2.0-rc.1.tgz" {
		t.Errorf("Save() = %q, want archived-0.2.0-rc.1.tgz", name)
	}
	got, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Metadata.Version != "0.2.0-rc.1" || got.Metadata.AppVersion != "9.9" {
		t.Errorf("packed metadata = %+v, want the overridden version and appVersion", got.Metadata)
	}
}

func TestSaveRejectsInvalid(t *testing.T) {
	tests := []struct {
		name string
		c    *Chart
		want string
	}{
		{"no metadata", &Chart{}, "save chart: chart has no metadata"},
		{
			"bad version", &Chart{Metadata: &Metadata{APIVersion: "v2", Name: "a", Version: "x"}},
			`save chart: Chart.yaml: version: "x" is not a valid semantic version`,
		},
		{
			"bad schema", &Chart{Metadata: &Metadata{APIVersion: "v2", Name: "a", Version: "1.0.0"}, Schema: []byte("{")},
			`values.schema.json is not valid JSON`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			_, err := Save(tt.c, out)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Fatalf("Save() error = %v, want it to contain %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("Save left %d files behind after failing", len(entries))
			}
		})
	}
}
