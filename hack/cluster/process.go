//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// process is a component started by this run of up.
type process struct {
	name   string
	pid    int
	exited chan struct{} // closed when the process exits
	err    error         // exit status, valid after exited is closed
}

// startDetached starts a component in its own session, so that it outlives
// up and ^C in up's terminal, with output to its log file, and records its PID.
func (c *cluster) startDetached(comp component) (*process, error) {
	for _, dir := range []string{filepath.Dir(c.logFile(comp.name)), filepath.Dir(c.pidFile(comp.name))} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	logFile, err := os.Create(c.logFile(comp.name))
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", comp.name, err)
	}
	defer logFile.Close()
	// Not CommandContext with up's context: the process must outlive up.
	cmd := exec.CommandContext(context.Background(), filepath.Join(c.bin, comp.name), comp.args...)
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", comp.name, err)
	}
	p := &process{name: comp.name, pid: cmd.Process.Pid, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	if err := os.WriteFile(c.pidFile(comp.name), []byte(strconv.Itoa(p.pid)+"\n"), 0o644); err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("start %s: record PID: %w", comp.name, err)
	}
	return p, nil
}

// status describes how the process ended; call it after exited is closed.
func (p *process) status() string {
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}

// running reports whether pid is alive, not a zombie, and runs the named
// component (so a recycled PID is never mistaken for it).
func running(pid int, name string) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	comm, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil {
		return false
	}
	const commLen = 15 // the kernel truncates command names
	if len(name) > commLen {
		name = name[:commLen]
	}
	if string(bytes.TrimSpace(comm)) != name {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if i := bytes.LastIndexByte(stat, ')'); err == nil && i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// stopComponent stops the process group of a recorded component: SIGTERM,
// then SIGKILL after grace, waiting for it to exit either way.
func stopComponent(pid int, name string, grace time.Duration) error {
	if !running(pid, name) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	if waitExit(pid, name, grace) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if waitExit(pid, name, 10*time.Second) {
		return nil
	}
	return fmt.Errorf("%s (PID %d) still running after SIGKILL", name, pid)
}

func waitExit(pid int, name string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for running(pid, name) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// errExited reports a component that exited while up waited for it.
var errExited = errors.New("exited")
