// Package tree writes trees of files for tests: charts, values files and
// the like, given as a map from slash-separated path to content.
package tree

import (
	"os"
	"path/filepath"
	"testing"
)

// Write writes each file of files (path relative to dir, with "/"
// separators) under dir, creating directories as needed. It fails tb on
// the first error.
func Write(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}
