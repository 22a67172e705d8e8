package render

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"unicode"
)

// WriteOptions select what of a Result is written, as `helm template`'s
// flags do.
type WriteOptions struct {
	// IncludeCRDs writes the crds/ files first.
	IncludeCRDs bool
	// NoHooks leaves hooks out.
	NoHooks bool
	// SkipTests leaves test hooks out.
	SkipTests bool
	// ShowOnly keeps only documents from templates matching these paths or
	// globs, relative to the root chart ("templates/x.yaml",
	// "charts/sub/templates/*.yaml").
	ShowOnly []string
}

// ManifestText returns the non-hook documents (after the CRDs when asked)
// as one YAML stream, each document headed by "---" and a "# Source:"
// comment naming its template. It is the release manifest.
func (r *Result) ManifestText(includeCRDs bool) string {
	return string(r.appendManifests(nil, includeCRDs))
}

// appendManifests appends ManifestText to buf, grown once to its size:
// manifests run to megabytes, and growing by doubling costs more than
// writing them.
func (r *Result) appendManifests(buf []byte, includeCRDs bool) []byte {
	size := 0
	if includeCRDs {
		for _, crd := range r.CRDs {
			size += docSize(crd.Filename, len(crd.File.Data))
		}
	}
	for _, m := range r.Manifests {
		size += docSize(m.Name, len(m.Content))
	}
	buf = slices.Grow(buf, size)
	if includeCRDs {
		for _, crd := range r.CRDs {
			buf = appendDoc(buf, crd.Filename, crd.File.Data)
		}
	}
	for _, m := range r.Manifests {
		buf = appendDoc(buf, m.Name, m.Content)
	}
	return buf
}

const (
	docHead = "---\n# Source: "
	docSep  = "\n"
)

// docSize is the length of a document as appendDoc writes it.
func docSize(source string, contentLen int) int {
	return len(docHead) + len(source) + len(docSep) + contentLen + len(docSep)
}

// appendDoc appends one document headed by "---" and a "# Source:" comment.
func appendDoc[T string | []byte](buf []byte, source string, content T) []byte {
	buf = append(buf, docHead...)
	buf = append(buf, source...)
	buf = append(buf, docSep...)
	buf = append(buf, content...)
	return append(buf, docSep...)
}

// Write writes the result to w exactly as `helm template` prints it:
// CRDs (when asked) and manifests, then hooks.
func Write(w io.Writer, r *Result, o WriteOptions) error {
	out := r.appendManifests(nil, o.IncludeCRDs)
	// The manifests start with "---" (or are empty), so trimming the
	// right is trimming both sides.
	out = bytes.TrimRightFunc(out, unicode.IsSpace)
	out = append(out, '\n')
	if !o.NoHooks {
		for _, h := range r.Hooks {
			if o.SkipTests && h.IsTest() {
				continue
			}
			out = appendDoc(out, h.Path, h.Manifest)
		}
	}
	if len(o.ShowOnly) == 0 {
		_, err := w.Write(out)
		return err
	}
	docs, err := showOnly(string(out), o.ShowOnly)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := fmt.Fprintf(w, "---\n%s\n", d); err != nil {
			return err
		}
	}
	return nil
}

var sourceRegexp = regexp.MustCompile(`# Source: [^/]+/(.+)`)

// showOnly returns the documents of stream whose source, without the root
// chart's name, matches one of the patterns, pattern by pattern. A pattern
// that matches nothing is an error.
func showOnly(stream string, patterns []string) ([]string, error) {
	docs := SplitManifests(stream)
	var out []string
	for _, p := range patterns {
		p = filepath.ToSlash(p)
		found := false
		for _, d := range docs {
			m := sourceRegexp.FindStringSubmatch(d)
			if m == nil {
				continue
			}
			if ok, _ := path.Match(p, m[1]); ok {
				out = append(out, d)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("could not find template %s in chart", p)
		}
	}
	return out, nil
}

// WriteDir writes each document to a file under dir named after its
// template, as `helm template --output-dir` does; documents of one
// template are appended to one file. CRDs go under dir, manifests and hooks
// under dir/release when releaseDir is set. It reports each file written to
// progress.
func WriteDir(dir, releaseDir string, r *Result, o WriteOptions, progress io.Writer) error {
	written := map[string]bool{}
	write := func(base, name, content string) error {
		file := filepath.Join(base, filepath.FromSlash(name))
		if err := writeSource(file, name, content, written[file]); err != nil {
			return err
		}
		written[file] = true
		fmt.Fprintf(progress, "wrote %s\n", file)
		return nil
	}
	if o.IncludeCRDs {
		for _, crd := range r.CRDs {
			if err := write(dir, crd.Filename, string(crd.File.Data)); err != nil {
				return err
			}
		}
	}
	base := dir
	if releaseDir != "" {
		base = filepath.Join(dir, releaseDir)
	}
	for _, m := range r.Manifests {
		if err := write(base, m.Name, m.Content); err != nil {
			return err
		}
	}
	if o.NoHooks {
		return nil
	}
	for _, h := range r.Hooks {
		if o.SkipTests && h.IsTest() {
			continue
		}
		if err := write(base, h.Path, h.Manifest); err != nil {
			return err
		}
	}
	return nil
}

func writeSource(file, name, content string, appendTo bool) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendTo {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(file, flags, 0o644) //nolint:gosec // rendered manifests are written like helm template writes them
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	_, err = fmt.Fprintf(f, "---\n# Source: %s\n%s\n", name, content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}
