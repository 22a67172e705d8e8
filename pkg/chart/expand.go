package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Expand unpacks the chart archive read from r into destDir/NAME, NAME being
// the chart's name, and returns that directory. The archive is read whole
// and checked (as LoadArchive checks it, and it must load as a chart) before
// anything is written; files are written into a temporary directory in
// destDir that is renamed into place at the end, so a failure never leaves
// a half-written chart. It refuses to replace an existing destDir/NAME.
func Expand(r io.Reader, destDir string) (string, error) {
	budget := int64(MaxArchiveSize)
	files, err := readArchive(r, &budget)
	if err != nil {
		return "", fmt.Errorf("expand chart: %w", err)
	}
	c, err := loadFiles(files, &budget)
	if err != nil {
		return "", fmt.Errorf("expand chart: %w", err)
	}
	dest := filepath.Join(destDir, c.Name())
	if _, err := os.Lstat(dest); err == nil {
		return "", fmt.Errorf("expand chart %q: %s already exists", c.Name(), dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("expand chart %q: %w", c.Name(), err)
	}
	if err := os.MkdirAll(destDir, 0o755); err != nil {
		return "", fmt.Errorf("expand chart %q: %w", c.Name(), err)
	}
	tmp, err := os.MkdirTemp(destDir, "."+c.Name()+".expand-*")
	if err != nil {
		return "", fmt.Errorf("expand chart %q: %w", c.Name(), err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	for _, f := range files {
		if err := writeExpanded(tmp, f); err != nil {
			return "", fmt.Errorf("expand chart %q: %w", c.Name(), err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil { //nolint:gosec // charts are meant to be readable
		return "", fmt.Errorf("expand chart %q: %w", c.Name(), err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return "", fmt.Errorf("expand chart %q: %w", c.Name(), err)
	}
	return dest, nil
}

// writeExpanded writes f under root, refusing any path that would land
// outside it (readArchive already refuses them; this is the last guard).
func writeExpanded(root string, f *File) error {
	target := filepath.Join(root, filepath.FromSlash(f.Name))
	rel, err := filepath.Rel(root, target)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) ||
		filepath.IsAbs(rel) {
		return &ArchiveError{Entry: f.Name, Reason: "would be written outside the destination"}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644) //nolint:gosec // chart files are meant to be readable
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, bytes.NewReader(f.Data)); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", f.Name, err)
	}
	return out.Close()
}
