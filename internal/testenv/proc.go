package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// procStat reads the state letter and parent PID of pid from /proc/PID/stat.
func procStat(pid int) (state byte, ppid int, err error) {
	return parseStat(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
}

// parseStat parses a /proc/PID/stat file: "pid (comm) state ppid ...".
// comm may hold spaces and parentheses, so parsing starts after the last ')'.
func parseStat(path string) (state byte, ppid int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(data, ')')
	fields := bytes.Fields(data[i+1:])
	if i < 0 || len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, fmt.Errorf("parse %s: unexpected format", path)
	}
	ppid, err = strconv.Atoi(string(fields[1]))
	if err != nil {
		return 0, 0, fmt.Errorf("parse %s: parent pid: %w", path, err)
	}
	return fields[0][0], ppid, nil
}

// processesUsing returns the PIDs of processes with a command-line argument
// that names a path inside dir, such as etcd's --data-dir=DIR/etcd. Without
// /proc (not Linux) it finds none.
func processesUsing(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	inside := filepath.Clean(dir) + string(filepath.Separator)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(inside)) {
			pids = append(pids, pid)
		}
	}
	return pids
}
