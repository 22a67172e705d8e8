//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// layout names the files of the cluster's state directory.
type layout struct {
	root string // repository root
	dir  string // <root>/.cluster
}

func newLayout(root string) layout { return layout{root: root, dir: filepath.Join(root, ".cluster")} }

func (l layout) kubeconfig() string         { return filepath.Join(l.dir, "kubeconfig") }
func (l layout) stateFile() string          { return filepath.Join(l.dir, "state.json") }
func (l layout) pki(name string) string     { return filepath.Join(l.dir, "pki", name) }
func (l layout) etcdData() string           { return filepath.Join(l.dir, "etcd") }
func (l layout) pidFile(name string) string { return filepath.Join(l.dir, "pids", name+".pid") }
func (l layout) logFile(name string) string { return filepath.Join(l.dir, "logs", name+".log") }

// rel returns path relative to the repository root, for messages.
func (l layout) rel(path string) string {
	if r, err := filepath.Rel(l.root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// state is what up records besides PID files: the ports it picked.
type state struct {
	EtcdPort      int `json:"etcdPort"`
	EtcdPeerPort  int `json:"etcdPeerPort"`
	APIServerPort int `json:"apiServerPort"`
}

func (l layout) writeState(s state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(l.stateFile(), append(data, '\n'), 0o600)
}

func (l layout) readState() (state, error) {
	var s state
	data, err := os.ReadFile(l.stateFile())
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("read %s: %w", l.rel(l.stateFile()), err)
	}
	return s, nil
}

// readPID returns the PID recorded for a component, 0 if none.
func (l layout) readPID(name string) int {
	data, err := os.ReadFile(l.pidFile(name))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

// tail returns the last n lines of a component's log, indented.
func (l layout) tail(name string, n int) string {
	f, err := os.Open(l.logFile(name))
	if err != nil {
		return "    (no log: " + err.Error() + ")"
	}
	defer f.Close()
	const window = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		_, _ = f.Seek(-window, io.SeekEnd)
	}
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}
