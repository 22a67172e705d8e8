package main

import (
	"os"
	"path/filepath"
	"syscall"
)

// posixFadvDontNeed is POSIX_FADV_DONTNEED on Linux.
const posixFadvDontNeed = 4

// evictBinaries drops the page cache of both tools' binaries, so that the
// next runs read them in the same way. A binary the linker has just
// written sits in the page cache in large folios, which are mapped whole
// on a fault: a freshly built berth then counts some 25 MiB more resident
// memory than the same binary read back from disk.
func evictBinaries(cfg config) {
	for _, bin := range []string{cfg.berth, cfg.helm} {
		path, err := filepath.EvalSymlinks(bin)
		if err != nil {
			continue
		}
		f, err := os.Open(path) //nolint:gosec // the bench's own tool binaries
		if err != nil {
			continue
		}
		_, _, _ = syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, posixFadvDontNeed, 0, 0)
		_ = f.Close()
	}
}
