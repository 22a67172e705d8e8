package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed hostile archives in testdata/hostile")

// hostileDir holds the small hostile archives, committed so that they
// are inspectable and usable as fuzz seeds; go test -run TestHostile
// -update rewrites them. The big ones (bombs, 10 000 files) are built at
// test time.
const hostileDir = "testdata/hostile"

const hostileChartYAML = "apiVersion: v2\nname: evil\nversion: 0.1.0\n"

// aliasBomb is a "billion laughs" YAML document: nine levels of nine
// aliases each, 9^9 strings once expanded, in under a kilobyte.
func aliasBomb(key string) string {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for c := 'b'; c <= 'i'; c++ {
		p := string(c - 1)
		fmt.Fprintf(&b, "%c: &%c [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", c, c, p, p, p, p, p, p, p, p, p)
	}
	fmt.Fprintf(&b, "%s: *i\n", key)
	return b.String()
}

// smallHostileArchives are the committed archives, by file name.
func smallHostileArchives() map[string][]tarEntry {
	chart := regular("evil/Chart.yaml", hostileChartYAML)
	return map[string][]tarEntry{
		"traversal.tgz": {chart, regular("evil/templates/../../../../tmp/pwned", "x")},
		"absolute.tgz":  {chart, regular("/etc/cron.d/pwned", "x")},
		"symlink.tgz":   {chart, {hdr: tarHeaderSymlink("evil/templates/passwd.yaml", "/etc/passwd")}},
		"hardlink.tgz": {chart, {hdr: tar.Header{
			Name: "evil/templates/shadow.yaml", Typeflag: tar.TypeLink, Linkname: "/etc/shadow",
		}}},
		"device.tgz": {chart, {hdr: tar.Header{
			Name: "evil/templates/zero.yaml", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 5, Mode: 0o644,
		}}},
		"fifo.tgz":               {chart, {hdr: tar.Header{Name: "evil/pipe", Typeflag: tar.TypeFifo, Mode: 0o644}}},
		"values-alias-bomb.tgz":  {chart, regular("evil/values.yaml", aliasBomb("lols"))},
		"chart-alias-bomb.tgz":   {regular("evil/Chart.yaml", hostileChartYAML+aliasBomb("annotations"))},
		"lock-alias-bomb.tgz":    {chart, regular("evil/Chart.lock", aliasBomb("dependencies"))},
		"duplicate-entry.tgz":    {chart, regular("evil/values.yaml", "a: 1\n"), regular("evil/values.yaml", "a: 2\n")},
		"backslash-escape.tgz":   {chart, regular("evil\\..\\..\\pwned", "x")},
		"subchart-traversal.tgz": {chart, regular("evil/charts/sub.tgz", string(nestedTraversal()))},
	}
}

// nestedTraversal is a subchart archive whose entry escapes its chart.
func nestedTraversal() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range []tarEntry{
		regular("sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
		regular("sub/../../pwned", "x"),
	} {
		hdr := e.hdr
		_ = tw.WriteHeader(&hdr)
		_, _ = tw.Write(e.data)
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

// hostileArchive returns the committed archive name, rewriting it first
// with -update.
func hostileArchive(t *testing.T, name string) string {
	t.Helper()
	file := filepath.Join(hostileDir, name)
	if *update {
		entries, ok := smallHostileArchives()[name]
		if !ok {
			t.Fatalf("no generator for %s", name)
		}
		if err := os.MkdirAll(hostileDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, buildArchive(t, entries...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

// writeBomb writes a gzipped tar archive to file: a chart whose entries,
// each just under MaxFileSize of zeros, add up to total bytes. It
// compresses about a thousandfold.
func writeBomb(t *testing.T, file string, total int64) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	write := func(name string, size int64, r io.Reader) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(tw, r, size); err != nil {
			t.Fatal(err)
		}
	}
	write("evil/Chart.yaml", int64(len(hostileChartYAML)), strings.NewReader(hostileChartYAML))
	const entry = MaxFileSize - 1
	for i := int64(0); i*entry < total; i++ {
		write(fmt.Sprintf("evil/files/zero-%03d", i), entry, zeros{})
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// zeros reads as an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// manyFilesArchive is a chart of n small templates.
func manyFilesArchive(t *testing.T, n int) []byte {
	t.Helper()
	entries := []tarEntry{regular("many/Chart.yaml", "apiVersion: v2\nname: many\nversion: 0.1.0\n")}
	for i := range n {
		entries = append(entries, regular(fmt.Sprintf("many/templates/cm-%05d.yaml", i),
			fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i)))
	}
	return buildArchive(t, entries...)
}
