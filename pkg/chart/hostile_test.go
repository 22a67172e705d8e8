package chart

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// Bounds every hostile input must be handled within. The time bound is
// generous because the test machine is shared; on an idle one each case
// takes well under a second.
const (
	hostileMaxHeap = 512 << 20
	hostileMaxTime = 30 * time.Second
)

// hostileCase is a malicious chart and what loading it must say: an error
// naming the file at fault, or (wantErr "") a chart loaded normally.
type hostileCase struct {
	name string
	// load loads the chart from dir, a fresh temporary directory.
	load    func(t *testing.T, dir string) (*Chart, error)
	wantErr string
	// unsafe says the error must wrap ErrUnsafeArchive.
	unsafe bool
}

func TestHostileArchives(t *testing.T) {
	committed := func(name string) func(*testing.T, string) (*Chart, error) {
		return func(t *testing.T, _ string) (*Chart, error) {
			t.Helper()
			return LoadFile(hostileArchive(t, name))
		}
	}
	tests := []hostileCase{
		{
			name: "path traversal", load: committed("traversal.tgz"), unsafe: true,
			wantErr: `entry "evil/templates/../../../../tmp/pwned": has a path that contains ".."`,
		},
		{
			name: "absolute path", load: committed("absolute.tgz"), unsafe: true,
			wantErr: `entry "/etc/cron.d/pwned": has an absolute path`,
		},
		{
			name: "Windows separators escaping", load: committed("backslash-escape.tgz"), unsafe: true,
			wantErr: `entry "evil\\..\\..\\pwned": has a path that contains ".."`,
		},
		{
			name: "symbolic link", load: committed("symlink.tgz"), unsafe: true,
			wantErr: `entry "evil/templates/passwd.yaml": is a symbolic link`,
		},
		{
			name: "hard link", load: committed("hardlink.tgz"), unsafe: true,
			wantErr: `entry "evil/templates/shadow.yaml": is a hard link`,
		},
		{
			name: "device file", load: committed("device.tgz"), unsafe: true,
			wantErr: `entry "evil/templates/zero.yaml": is a device file`,
		},
		{name: "named pipe", load: committed("fifo.tgz"), unsafe: true, wantErr: `entry "evil/pipe": is a named pipe`},
		{
			name: "duplicate entry", load: committed("duplicate-entry.tgz"), unsafe: true,
			wantErr: `entry "evil/values.yaml": appears twice`,
		},
		{
			name: "traversal in a subchart archive", load: committed("subchart-traversal.tgz"), unsafe: true,
			wantErr: `load subchart charts/sub.tgz of "evil": unsafe chart archive: entry "sub/../../pwned"`,
		},
		{
			name: "alias bomb in values.yaml", load: committed("values-alias-bomb.tgz"),
			wantErr: "parse values.yaml: YAML document 1: error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
		{
			name: "alias bomb in Chart.yaml", load: committed("chart-alias-bomb.tgz"),
			wantErr: "parse Chart.yaml: error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
		{
			name: "alias bomb in Chart.lock", load: committed("lock-alias-bomb.tgz"),
			wantErr: "parse Chart.lock: error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
		{name: "gzip bomb", unsafe: true, load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			file := filepath.Join(dir, "bomb.tgz")
			writeBomb(t, file, 256<<20) // 256 MiB of zeros in a quarter of a megabyte
			return LoadFile(file)
		}, wantErr: fmt.Sprintf("archive expands past %d MiB", MaxArchiveSize>>20)},
		{name: "entry over the file limit", unsafe: true, load: func(t *testing.T, _ string) (*Chart, error) {
			t.Helper()
			big := regular("evil/values.yaml", "")
			big.hdr.Size = MaxFileSize + 1
			big.data = make([]byte, MaxFileSize+1)
			return LoadArchive(bytes.NewReader(buildArchive(t, regular("evil/Chart.yaml", hostileChartYAML), big)))
		}, wantErr: fmt.Sprintf(`entry "evil/values.yaml": is %d bytes, over the 5 MiB limit`, MaxFileSize+1)},
		{name: "10 000 files", load: func(t *testing.T, _ string) (*Chart, error) {
			t.Helper()
			c, err := LoadArchive(bytes.NewReader(manyFilesArchive(t, 10000)))
			if err == nil && len(c.Templates) != 10000 {
				t.Errorf("loaded %d templates, want 10000", len(c.Templates))
			}
			return c, err
		}},
	}
	runHostile(t, tests)
}

func TestHostileDirs(t *testing.T) {
	tests := []hostileCase{
		{name: "symbolic link loop", load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			writeFile(t, filepath.Join(dir, "Chart.yaml"), hostileChartYAML)
			symlink(t, "..", filepath.Join(dir, "templates", "loop"))
			return LoadDir(dir)
		}, wantErr: "templates/loop: symbolic link loop"},
		{name: "symbolic link to a device", load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			writeFile(t, filepath.Join(dir, "Chart.yaml"), hostileChartYAML)
			symlink(t, "/dev/zero", filepath.Join(dir, "templates", "zero.yaml"))
			return LoadDir(dir)
		}, wantErr: "templates/zero.yaml: cannot load irregular file"},
		{name: "huge values file", load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			writeFile(t, filepath.Join(dir, "Chart.yaml"), hostileChartYAML)
			writeFile(t, filepath.Join(dir, "values.yaml"), "a: "+strings.Repeat("x", MaxFileSize)+"\n")
			return LoadDir(dir)
		}, wantErr: fmt.Sprintf("values.yaml: file is %d bytes, over the 5 MiB limit", MaxFileSize+4)},
		{name: "values file of many keys under the limit", load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			writeFile(t, filepath.Join(dir, "Chart.yaml"), hostileChartYAML)
			var b strings.Builder
			for i := 0; b.Len() < MaxFileSize-64; i++ {
				fmt.Fprintf(&b, "key%07d: [1, 2, 3]\n", i)
			}
			writeFile(t, filepath.Join(dir, "values.yaml"), b.String())
			return LoadDir(dir)
		}},
		{name: "files over the chart limit", load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			writeFile(t, filepath.Join(dir, "Chart.yaml"), hostileChartYAML)
			chunk := strings.Repeat("z", MaxFileSize-1)
			for i := range MaxArchiveSize/(MaxFileSize-1) + 1 {
				writeFile(t, filepath.Join(dir, "files", fmt.Sprintf("f%03d", i)), chunk)
			}
			return LoadDir(dir)
		}, wantErr: fmt.Sprintf("the chart's files add up to more than %d MiB", MaxArchiveSize>>20)},
		{name: "alias bomb in values.yaml", load: func(t *testing.T, dir string) (*Chart, error) {
			t.Helper()
			writeFile(t, filepath.Join(dir, "Chart.yaml"), hostileChartYAML)
			writeFile(t, filepath.Join(dir, "values.yaml"), aliasBomb("lols"))
			return LoadDir(dir)
		}, wantErr: "parse values.yaml: YAML document 1: error converting YAML to JSON: yaml: document contains excessive aliasing"},
	}
	runHostile(t, tests)
}

// runHostile loads each case in turn (not in parallel, so that the memory
// measured is the case's own) and checks its error, time and peak heap.
func runHostile(t *testing.T, tests []hostileCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			runtime.GC()
			stop := samplePeakHeap()
			start := time.Now()
			_, err := tt.load(t, dir)
			elapsed := time.Since(start)
			peak := stop()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("load: %v, want a chart", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("load error = %v, want one containing %q", err, tt.wantErr)
			case tt.unsafe && !errors.Is(err, ErrUnsafeArchive):
				t.Errorf("load error = %v, want one wrapping ErrUnsafeArchive", err)
			}
			t.Logf("%s, heap peak %d MiB", elapsed.Round(time.Millisecond), peak>>20)
			if elapsed > hostileMaxTime {
				t.Errorf("took %s, over %s", elapsed, hostileMaxTime)
			}
			if peak > hostileMaxHeap {
				t.Errorf("heap peaked at %d MiB, over %d MiB", peak>>20, hostileMaxHeap>>20)
			}
		})
	}
}

// samplePeakHeap samples the heap (live and not yet collected objects)
// every millisecond until the returned function is called, which returns
// the largest size seen.
func samplePeakHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		top := read()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				top = max(top, read())
			case <-done:
				peak <- max(top, read())
				return
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-peak
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}
