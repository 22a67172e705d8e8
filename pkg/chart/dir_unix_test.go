//go:build unix

package chart

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
