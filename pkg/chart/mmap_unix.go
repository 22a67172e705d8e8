//go:build unix

package chart

import (
	"fmt"
	"os"
	"syscall"
)

// mapThreshold is the size from which readFile maps a file instead of
// reading it. Reading copies the file into fresh heap memory, and on the
// virtual machines CI and most users run on, faulting in those pages costs
// more than the copy: for a chart with megabytes of CRDs, mapping saves a
// tenth of `berth template`'s time. Small files are cheaper to read.
const mapThreshold = 64 << 10

// readFile returns the contents of the file at name, of size bytes when
// measured, failing if it holds more than limit bytes. Files of
// mapThreshold bytes or more are mapped read-only and stay mapped for the
// life of the process; the slice's capacity is its length, so appending to
// it copies. As with any mapped file, truncating it while berth runs ends
// the process with SIGBUS.
func readFile(name string, size, limit int64) ([]byte, error) {
	if size < mapThreshold || size > limit {
		return readAtMost(name, size, limit)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() != size || !info.Mode().IsRegular() {
		// The file changed since it was measured: read what it holds now.
		return readAtMost(name, info.Size(), limit)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("map file: %w", err)
	}
	return data[:size:size], nil
}
