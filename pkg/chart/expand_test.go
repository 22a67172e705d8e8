package chart

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	data := saveBytes(t, basicChartDir(t))
	dest := t.TempDir()
	dir, err := Expand(bytes.NewReader(data), dest)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dest, "basic"); dir != want {
		t.Errorf("Expand() = %q, want %q", dir, want)
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 1 {
		t.Errorf("destination holds %d entries, want only the chart", len(entries))
	}
	got, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadArchive(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	compareCharts(t, want, got)

	_, err = Expand(bytes.NewReader(data), dest)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second Expand() error = %v, want it to refuse to overwrite", err)
	}
}

func TestExpandLeavesNothingOnError(t *testing.T) {
	tests := []struct {
		name    string
		entries []tarEntry
		want    string
	}{
		{"escaping entry after good ones", []tarEntry{
			regular("web/Chart.yaml", chartYAML), regular("web/templates/a.yaml", "a"), regular("web/../../evil", "x"),
		}, `has a path that contains ".."`},
		{"symlink after good ones", []tarEntry{
			regular("web/Chart.yaml", chartYAML), {hdr: tarHeaderSymlink("web/templates/link", "/etc")},
		}, "is a symbolic link"},
		{"not a chart", []tarEntry{regular("web/values.yaml", "a: 1\n")}, "Chart.yaml is missing"},
		{
			"name with path",
			[]tarEntry{regular("web/Chart.yaml", "apiVersion: v2\nname: ..\nversion: 1.0.0\n")},
			`name: ".." is invalid`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "out")
			if err := os.Mkdir(dest, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := Expand(bytes.NewReader(buildArchive(t, tt.entries...)), dest)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Expand() error = %v, want it to contain %q", err, tt.want)
			}
			var left []string
			_ = filepath.Walk(parent, func(p string, _ os.FileInfo, _ error) error {
				left = append(left, p)
				return nil
			})
			if diff := cmp.Diff([]string{parent, dest}, left); diff != "" {
				t.Errorf("files left behind (-want +got):\n%s", diff)
			}
		})
	}
}
