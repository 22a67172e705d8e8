//go:build unix

package chart

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadDirIrregularFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Chart.yaml"), chartYAML)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "pipe: cannot load irregular file") {
		t.Fatalf("LoadDir() error = %v, want an irregular file error", err)
	}
}

// TestLoadDirLargeFiles loads files on both sides of mapThreshold (mapped
// and read) and checks their contents, the BOM stripped from both, and
// that appending to mapped data copies instead of writing to the mapping.
func TestLoadDirLargeFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Chart.yaml"), chartYAML)
	small := strings.Repeat("a", mapThreshold-1)
	large := strings.Repeat("b", 3*mapThreshold+17)
	writeFile(t, filepath.Join(dir, "small.txt"), small)
	writeFile(t, filepath.Join(dir, "crds", "large.yaml"), large)
	writeFile(t, filepath.Join(dir, "bom.txt"), "\ufeff"+large)
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range c.Files {
		got[f.Name] = string(f.Data)
	}
	want := map[string]string{"small.txt": small, "crds/large.yaml": large, "bom.txt": large}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	for _, f := range c.Files {
		if f.Name == "crds/large.yaml" {
			grown := append(f.Data, 'c')
			if string(grown[:len(large)]) != large || string(f.Data) != large {
				t.Errorf("appending to %s changed its data", f.Name)
			}
		}
	}
}
