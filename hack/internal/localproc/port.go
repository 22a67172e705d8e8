//go:build unix

package localproc

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// FreePorts picks n distinct free TCP ports on 127.0.0.1. Another process
// may take one before the caller's server binds it; callers retry or fail
// with the server's log.
func FreePorts(ctx context.Context, n int) ([]int, error) {
	var ports []int
	var lc net.ListenConfig
	for range n {
		l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		// Held until all are picked, so that the kernel gives n different ports.
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// tailWindow is how much of the end of a log TailLines reads.
const tailWindow = 64 << 10

// TailLines returns the last n lines of the file at path (of its last
// 64 KiB), without their newlines.
func TailLines(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > tailWindow {
		if _, err := f.Seek(-tailWindow, io.SeekEnd); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}
