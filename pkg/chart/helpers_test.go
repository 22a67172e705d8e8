package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// basicChartDir copies testdata/basic to a temporary directory and packs
// testdata/archived into its charts/, so that it holds both a directory and
// an archive subchart.
func basicChartDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "basic")
	if err := os.CopyFS(dir, os.DirFS("testdata/basic")); err != nil {
		t.Fatal(err)
	}
	archived, err := LoadDir("testdata/archived")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Save(archived, filepath.Join(dir, ChartsDir)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tarEntry is one entry of a test archive.
type tarEntry struct {
	hdr  tar.Header
	data []byte
}

func regular(name, data string) tarEntry {
	return tarEntry{
		hdr:  tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))},
		data: []byte(data),
	}
}

// buildArchive writes entries as a gzipped tar archive.
func buildArchive(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := e.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatalf("write header %q: %v", hdr.Name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatalf("write %q: %v", hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archiveNames lists the entry names of a gzipped tar archive, in order.
func archiveNames(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, hdr.Name)
	}
	return names
}

func fileNames(files []*File) []string {
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return names
}

func depNames(c *Chart) []string {
	var names []string
	for _, d := range c.Dependencies() {
		names = append(names, d.Name())
	}
	return names
}

func tarHeaderSymlink(name, target string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target}
}
