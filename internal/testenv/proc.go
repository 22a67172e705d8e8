package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

// childPIDs returns the PIDs of ppid's children whose command name is one of
// names, one per name. Without /proc (not Linux) it returns none, and the
// watchdog then has nothing to stop.
func childPIDs(ppid int, names ...string) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list child processes: %w", err)
	}
	found := map[string]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		name := string(bytes.TrimSpace(comm))
		if err != nil || !slices.Contains(names, name) {
			continue
		}
		if _, parent, err := procStat(pid); err == nil && parent == ppid {
			found[name] = pid
		}
	}
	pids := make([]int, 0, len(names))
	for _, name := range names {
		pid, ok := found[name]
		if !ok {
			return nil, fmt.Errorf("list child processes: no %s child of process %d", name, ppid)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}
