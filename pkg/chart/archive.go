package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Limits on what reading a chart archive may expand to. They protect
// against decompression bombs in charts pulled from registries.
const (
	// MaxArchiveSize bounds the decompressed bytes of an archive, subchart
	// archives inside it included.
	MaxArchiveSize = 100 << 20
	// MaxFileSize bounds the size of one file of a chart.
	MaxFileSize = 5 << 20
)

var drivePath = regexp.MustCompile(`^[a-zA-Z]:[/\\]`)

// errTooLarge is returned by budgetReader once the archive has expanded
// past its budget.
var errTooLarge = errors.New("too large")

// budgetReader counts the bytes read through it against a shared budget and
// fails, without reading further, once the budget is spent.
type budgetReader struct {
	r      io.Reader
	budget *int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.budget < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > *b.budget+1 {
		p = p[:*b.budget+1]
	}
	n, err := b.r.Read(p)
	*b.budget -= int64(n)
	if *b.budget < 0 {
		return n, errTooLarge
	}
	return n, err
}

// readArchive reads every file of a gzipped tar chart archive into memory,
// names relative to the archive's top directory, rejecting anything unsafe
// to load or expand.
func readArchive(r io.Reader, budget *int64) ([]*File, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read chart archive: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(&budgetReader{r: zr, budget: budget})
	var files []*File
	seen := map[string]bool{}
	last := ""
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, archiveReadError(last, err)
		}
		last = hdr.Name
		f, err := readEntry(tr, hdr)
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		if seen[f.Name] {
			return nil, &ArchiveError{Entry: hdr.Name, Reason: "appears twice"}
		}
		seen[f.Name] = true
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, errors.New("read chart archive: no files in archive")
	}
	return files, nil
}

func archiveReadError(entry string, err error) error {
	if errors.Is(err, errTooLarge) {
		return &ArchiveError{Entry: entry, Reason: fmt.Sprintf("archive expands past %d MiB", MaxArchiveSize>>20)}
	}
	if entry == "" {
		return fmt.Errorf("read chart archive: %w", err)
	}
	return fmt.Errorf("read chart archive after entry %q: %w", entry, err)
}

// readEntry checks one entry and reads it; it returns nil for entries that
// carry no file (directories, global headers).
func readEntry(tr *tar.Reader, hdr *tar.Header) (*File, error) {
	if skip, err := checkEntryType(hdr); skip || err != nil {
		return nil, err
	}
	name, err := entryName(hdr.Name)
	if err != nil {
		return nil, err
	}
	if hdr.Size > MaxFileSize {
		return nil, &ArchiveError{Entry: hdr.Name, Reason: fmt.Sprintf("is %d bytes, over the %d MiB limit for a file",
			hdr.Size, MaxFileSize>>20)}
	}
	data, err := io.ReadAll(io.LimitReader(tr, MaxFileSize+1))
	if err != nil {
		return nil, archiveReadError(hdr.Name, err)
	}
	if len(data) > MaxFileSize {
		return nil, &ArchiveError{Entry: hdr.Name, Reason: fmt.Sprintf("is over the %d MiB limit for a file", MaxFileSize>>20)}
	}
	f := &File{Name: name, Data: bytes.TrimPrefix(data, utf8BOM)}
	if !hdr.ModTime.Equal(reproducibleModTime) {
		f.ModTime = hdr.ModTime
	}
	return f, nil
}

// checkEntryType accepts regular files, skips directories and global
// headers, and rejects anything else: links could point outside the chart
// and devices or pipes have no place in one.
func checkEntryType(hdr *tar.Header) (skip bool, err error) {
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeXGlobalHeader:
		return true, nil
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives still use TypeRegA
		// A regular entry named like a directory is one, as tar writes them.
		return strings.HasSuffix(hdr.Name, "/") && hdr.Size == 0, nil
	case tar.TypeSymlink:
		return false, &ArchiveError{Entry: hdr.Name, Reason: "is a symbolic link; charts cannot contain links"}
	case tar.TypeLink:
		return false, &ArchiveError{Entry: hdr.Name, Reason: "is a hard link; charts cannot contain links"}
	case tar.TypeChar, tar.TypeBlock:
		return false, &ArchiveError{Entry: hdr.Name, Reason: "is a device file"}
	case tar.TypeFifo:
		return false, &ArchiveError{Entry: hdr.Name, Reason: "is a named pipe"}
	default:
		return false, &ArchiveError{Entry: hdr.Name, Reason: fmt.Sprintf("has unsupported type %q", hdr.Typeflag)}
	}
}

// entryName returns an entry's path relative to the archive's top
// directory, after refusing absolute paths, ".." and files outside a top
// directory. Backslashes are separators when the name has any, as archives
// written on Windows use them.
func entryName(raw string) (string, error) {
	name := raw
	if strings.ContainsRune(name, '\\') {
		name = strings.ReplaceAll(name, "\\", "/")
	}
	if path.IsAbs(name) || drivePath.MatchString(name) {
		return "", &ArchiveError{Entry: raw, Reason: "has an absolute path"}
	}
	parts := strings.Split(name, "/")
	if slices.Contains(parts, "..") {
		return "", &ArchiveError{Entry: raw, Reason: `has a path that contains ".."`}
	}
	if parts[0] == ChartfileName {
		return "", &ArchiveError{Entry: raw, Reason: ChartfileName + " is not inside the archive's top directory"}
	}
	rel := path.Clean(strings.Join(parts[1:], "/"))
	if rel == "." || rel == "" {
		return "", &ArchiveError{Entry: raw, Reason: "is outside the archive's top directory"}
	}
	if path.IsAbs(rel) || drivePath.MatchString(rel) {
		return "", &ArchiveError{Entry: raw, Reason: "has an absolute path"}
	}
	return rel, nil
}
