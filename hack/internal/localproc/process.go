//go:build unix

package localproc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Spec says what Start runs and where its log and PID go.
type Spec struct {
	Name    string   // what the process is, for errors ("etcd", "registry")
	Path    string   // program to run
	Args    []string // its arguments
	Dir     string   // its working directory
	LogFile string   // receives its stdout and stderr, truncated first
	PIDFile string   // receives its PID
}

// Process is a program started by Start in this run.
type Process struct {
	Name   string // Spec.Name
	PID    int
	exited chan struct{}
	err    error // exit status, valid after exited is closed
}

// Start runs spec.Path in its own session, so that it outlives the caller
// and ^C in the caller's terminal, with its output in spec.LogFile, and
// records its PID in spec.PIDFile. The directories of both files are
// created. Start reaps the process if it exits while the caller runs, so
// that Running sees it gone.
func Start(spec Spec) (*Process, error) {
	for _, dir := range []string{filepath.Dir(spec.LogFile), filepath.Dir(spec.PIDFile)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
	}
	logFile, err := os.Create(spec.LogFile)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer logFile.Close()
	// Not CommandContext with the caller's context: the process must outlive it.
	cmd := exec.CommandContext(context.Background(), spec.Path, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p := &Process{Name: spec.Name, PID: cmd.Process.Pid, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	if err := os.WriteFile(spec.PIDFile, []byte(strconv.Itoa(p.PID)+"\n"), 0o600); err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("start %s: record PID: %w", spec.Name, err)
	}
	return p, nil
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Status describes how the process ended; call it after Exited is closed.
func (p *Process) Status() string {
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}

// commLen is the length to which the kernel truncates command names.
const commLen = 15

// CommName is the kernel's name (/proc/PID/comm) of a process running the
// program called name: name cut to 15 bytes.
func CommName(name string) string {
	if len(name) > commLen {
		return name[:commLen]
	}
	return name
}

// Running reports whether pid is alive, not a zombie, and runs the program
// called name (so a recycled PID is never mistaken for it).
func Running(pid int, name string) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	comm, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil || string(bytes.TrimSpace(comm)) != CommName(name) {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if i := bytes.LastIndexByte(stat, ')'); err == nil && i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// killTimeout bounds the wait for a process group to go after SIGKILL.
const killTimeout = 10 * time.Second

// Stop stops the process group of pid if pid still runs the program called
// name: SIGTERM, then SIGKILL after grace, waiting for it to exit either way.
func Stop(pid int, name string, grace time.Duration) error {
	if !Running(pid, name) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	if waitExit(pid, name, grace) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if waitExit(pid, name, killTimeout) {
		return nil
	}
	return fmt.Errorf("%s (PID %d) still running after SIGKILL", name, pid)
}

// waitExit polls until pid no longer runs name, false after timeout.
func waitExit(pid int, name string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for Running(pid, name) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// ReadPID returns the PID recorded in the file at path, 0 if there is none.
func ReadPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}
