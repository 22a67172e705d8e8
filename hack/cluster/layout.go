//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-sh/berth/hack/internal/localproc"
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
func (l layout) volumesDir() string         { return filepath.Join(l.dir, "volumes") }
func (l layout) pidFile(name string) string { return filepath.Join(l.dir, "pids", name+".pid") }
func (l layout) logFile(name string) string { return filepath.Join(l.dir, "logs", name+".log") }

// program is the path up runs a component from: bin/NAME, but the
// provisioner's is a link in the state directory to this program, so that
// the kernel names its process "provisioner" and a recycled PID is told
// apart from it.
func (l layout) program(bin, name string) string {
	if name == provisionerComponent {
		return filepath.Join(l.dir, provisionerComponent)
	}
	return filepath.Join(bin, name)
}

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
func (l layout) readPID(name string) int { return localproc.ReadPID(l.pidFile(name)) }

// tail returns the last n lines of a component's log, indented.
func (l layout) tail(name string, n int) string {
	lines, err := localproc.TailLines(l.logFile(name), n)
	if err != nil {
		return "    (no log: " + err.Error() + ")"
	}
	return "    " + strings.Join(lines, "\n    ")
}
