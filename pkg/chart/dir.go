package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// LoadDir loads a chart from the directory dir, skipping what its
// .helmignore ignores (and, as in Helm, dotfiles in templates/). Symbolic
// links are followed, as Helm follows them; a link that loops back to a
// directory above it is an error. Files larger than MaxFileSize and
// irregular files (devices, sockets, pipes) are errors.
func LoadDir(dir string) (*Chart, error) {
	top, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", dir, err)
	}
	rules, err := readIgnoreFile(top)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", dir, err)
	}
	w := &dirWalker{rules: rules, budget: MaxArchiveSize}
	real, err := filepath.EvalSymlinks(top)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", dir, err)
	}
	if err := w.walk(top, "", []string{real}); err != nil {
		return nil, fmt.Errorf("load chart %q: %w", dir, err)
	}
	c, err := loadFiles(w.files, &w.budget)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", dir, err)
	}
	return c, nil
}

func readIgnoreFile(top string) (*IgnoreRules, error) {
	rules := &IgnoreRules{}
	f, err := os.Open(filepath.Join(top, IgnorefileName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		defer f.Close()
		if rules, err = ParseIgnore(f); err != nil {
			return nil, err
		}
	}
	rules.addDefaults()
	return rules, nil
}

type dirWalker struct {
	rules *IgnoreRules
	files []*File
	// budget is what the chart's files may still add up to.
	budget int64
}

// walk reads the directory abs, whose path relative to the chart root is
// rel, in name order. stack holds the real paths of the directories being
// walked, to detect symbolic link loops.
func (w *dirWalker) walk(abs, rel string, stack []string) error {
	entries, err := os.ReadDir(abs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := w.visit(filepath.Join(abs, e.Name()), path.Join(rel, e.Name()), stack); err != nil {
			return err
		}
	}
	return nil
}

func (w *dirWalker) visit(abs, rel string, stack []string) error {
	info, err := os.Lstat(abs)
	if err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		resolved, err := filepath.EvalSymlinks(abs)
		if err != nil {
			if w.rules.Ignore(rel, false) {
				return nil // an ignored broken link is no error
			}
			return fmt.Errorf("%s: resolve symbolic link: %w", rel, err)
		}
		if info, err = os.Stat(resolved); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		abs = resolved
	}
	if info.IsDir() {
		if w.rules.Ignore(rel, true) {
			return nil
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if slices.Contains(stack, real) {
			return fmt.Errorf("%s: symbolic link loop back to %s", rel, real)
		}
		return w.walk(abs, rel, append(stack, real))
	}
	if w.rules.Ignore(rel, false) {
		return nil
	}
	return w.read(abs, rel, info)
}

func (w *dirWalker) read(abs, rel string, info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: cannot load irregular file (mode %s)", rel, info.Mode().Type())
	}
	if info.Size() > MaxFileSize {
		return fmt.Errorf("%s: file is %d bytes, over the %d MiB limit", rel, info.Size(), MaxFileSize>>20)
	}
	if info.Size() > w.budget {
		return fmt.Errorf("%s: the chart's files add up to more than %d MiB", rel, MaxArchiveSize>>20)
	}
	data, err := readFile(abs, info.Size(), min(MaxFileSize, w.budget))
	if err != nil {
		return fmt.Errorf("read %s: %w", rel, err)
	}
	w.budget -= int64(len(data))
	w.files = append(w.files, &File{Name: rel, Data: bytes.TrimPrefix(data, utf8BOM), ModTime: info.ModTime()})
	return nil
}

// readAtMost reads the file at name, of size bytes when measured, failing
// if it holds more than limit bytes (it may have grown since). The buffer
// is sized up front: growing it from empty costs more than the read for the
// megabytes of CRDs some charts carry.
func readAtMost(name string, size, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	buf.Grow(int(min(size, limit)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("file grew past %d bytes while being read", limit)
	}
	return buf.Bytes(), nil
}
