package chart

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const chartYAML = "apiVersion: v2\nname: web\nversion: 1.0.0\n"

func TestLoadArchiveHardening(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	exactly := make([]byte, MaxFileSize)
	var bomb []tarEntry
	for i := range MaxArchiveSize/MaxFileSize + 1 {
		bomb = append(bomb, tarEntry{hdr: tar.Header{
			Name:     fmt.Sprintf("web/files/%02d", i),
			Typeflag: tar.TypeReg, Mode: 0o644, Size: MaxFileSize,
		}, data: exactly})
	}
	tests := []struct {
		name    string
		entries []tarEntry
		want    string
	}{
		{"absolute path", []tarEntry{regular("/etc/passwd", "x")}, `entry "/etc/passwd": has an absolute path`},
		{"absolute after top dir", []tarEntry{regular("web//etc/passwd", "x")}, `entry "web//etc/passwd": has an absolute path`},
		{"drive letter", []tarEntry{regular(`C:\web\Chart.yaml`, "x")}, `entry "C:\\web\\Chart.yaml": has an absolute path`},
		{"dot-dot", []tarEntry{regular("web/../../evil", "x")}, `entry "web/../../evil": has a path that contains ".."`},
		{
			"dot-dot that cleans inside",
			[]tarEntry{regular("web/templates/../x", "x")},
			`entry "web/templates/../x": has a path that contains ".."`,
		},
		{"backslash dot-dot", []tarEntry{regular(`web\..\..\evil`, "x")}, `has a path that contains ".."`},
		{
			"symlink",
			[]tarEntry{{hdr: tar.Header{Name: "web/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}},
			`entry "web/link": is a symbolic link`,
		},
		{
			"hard link",
			[]tarEntry{{hdr: tar.Header{Name: "web/link", Typeflag: tar.TypeLink, Linkname: "web/Chart.yaml"}}},
			`entry "web/link": is a hard link`,
		},
		{
			"char device",
			[]tarEntry{{hdr: tar.Header{Name: "web/tty", Typeflag: tar.TypeChar, Devmajor: 5}}},
			`entry "web/tty": is a device file`,
		},
		{"block device", []tarEntry{{hdr: tar.Header{Name: "web/sda", Typeflag: tar.TypeBlock}}}, `entry "web/sda": is a device file`},
		{
			"contiguous file",
			[]tarEntry{{hdr: tar.Header{Name: "web/cont", Typeflag: tar.TypeCont}}},
			`entry "web/cont": has unsupported type '7'`,
		},
		{"fifo", []tarEntry{{hdr: tar.Header{Name: "web/pipe", Typeflag: tar.TypeFifo}}}, `entry "web/pipe": is a named pipe`},
		{
			"file over 5 MiB",
			[]tarEntry{{hdr: tar.Header{Name: "web/big", Typeflag: tar.TypeReg, Size: int64(len(big))}, data: big}},
			`entry "web/big": is 5242881 bytes, over the 5 MiB limit for a file`,
		},
		{"archive over 100 MiB", bomb, "archive expands past 100 MiB"},
		{"Chart.yaml at the top", []tarEntry{regular("Chart.yaml", chartYAML)}, `entry "Chart.yaml": Chart.yaml is not inside`},
		{"file without top dir", []tarEntry{regular("README", "x")}, `entry "README": is outside the archive's top directory`},
		{
			"duplicate",
			[]tarEntry{regular("web/Chart.yaml", chartYAML), regular("web/Chart.yaml", chartYAML)},
			`entry "web/Chart.yaml": appears twice`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadArchive(bytes.NewReader(buildArchive(t, tt.entries...)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadArchive() error = %v, want it to contain %q", err, tt.want)
			}
			if !errors.Is(err, ErrUnsafeArchive) {
				t.Errorf("error does not wrap ErrUnsafeArchive: %v", err)
			}
		})
	}
}

func TestLoadArchiveAccepts(t *testing.T) {
	tests := []struct {
		name    string
		entries []tarEntry
		check   func(*Chart) string
	}{
		{"file of exactly 5 MiB", []tarEntry{
			regular("web/Chart.yaml", chartYAML),
			{hdr: tar.Header{Name: "web/files/big", Typeflag: tar.TypeReg, Size: MaxFileSize}, data: make([]byte, MaxFileSize)},
		}, func(c *Chart) string { return fmt.Sprint(len(c.Files[0].Data)) }},
		{
			"windows separators",
			[]tarEntry{regular(`web\Chart.yaml`, chartYAML), regular(`web\templates\a.yaml`, "a")},
			func(c *Chart) string { return c.Templates[0].Name },
		},
		{"directory entries and BOM", []tarEntry{
			{hdr: tar.Header{Name: "web/", Typeflag: tar.TypeDir, Mode: 0o755}},
			regular("web/Chart.yaml", "\xEF\xBB\xBF"+chartYAML),
		}, func(c *Chart) string { return c.Name() }},
	}
	want := []string{fmt.Sprint(MaxFileSize), "templates/a.yaml", "web"}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadArchive(bytes.NewReader(buildArchive(t, tt.entries...)))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.check(c); got != want[i] {
				t.Errorf("got %q, want %q", got, want[i])
			}
		})
	}
}

func TestLoadArchiveNestedBudget(t *testing.T) {
	// Subchart archives share their parent's budget: many small archives
	// that each expand to less than the limit must not add up past it.
	exactly := make([]byte, MaxFileSize)
	var inner []tarEntry
	inner = append(inner, regular("sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.0.0\n"))
	for i := range 11 {
		inner = append(inner, tarEntry{hdr: tar.Header{
			Name:     fmt.Sprintf("sub/files/%02d", i),
			Typeflag: tar.TypeReg, Size: MaxFileSize,
		}, data: exactly})
	}
	sub := buildArchive(t, inner...)
	outer := []tarEntry{regular("web/Chart.yaml", chartYAML)}
	for i := range 10 {
		outer = append(outer, tarEntry{hdr: tar.Header{
			Name:     fmt.Sprintf("web/charts/sub%d.tgz", i),
			Typeflag: tar.TypeReg, Size: int64(len(sub)),
		}, data: sub})
	}
	_, err := LoadArchive(bytes.NewReader(buildArchive(t, outer...)))
	if err == nil || !strings.Contains(err.Error(), "archive expands past 100 MiB") {
		t.Fatalf("LoadArchive() error = %v, want the shared 100 MiB budget to run out", err)
	}
}
