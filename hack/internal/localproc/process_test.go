//go:build unix

package localproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunning(t *testing.T) {
	self := os.Getpid()
	comm, err := os.ReadFile(filepath.Join("/proc/self/comm"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pid  int
		name string
		want bool
	}{
		{self, strings.TrimSpace(string(comm)), true},
		{self, "etcd", false}, // a recycled PID running something else
		{0, "etcd", false},
		{1 << 22, "etcd", false},
	}
	for _, tt := range tests {
		if got := Running(tt.pid, tt.name); got != tt.want {
			t.Errorf("Running(%d, %q) = %v, want %v", tt.pid, tt.name, got, tt.want)
		}
	}
}

func TestCommName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"etcd", "etcd"},
		{"docker-registry", "docker-registry"},
		{"kube-controller-manager", "kube-controller"},
	}
	for _, tt := range tests {
		if got := CommName(tt.name); got != tt.want {
			t.Errorf("CommName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestReadPID(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		want          int
	}{
		{"pid", "1234\n", 1234},
		{"garbage", "not a pid\n", 0},
		{"missing", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := ReadPID(path); got != tt.want {
				t.Errorf("ReadPID = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestStartStop starts sleep detached, finds it through its PID file, and
// stops its process group.
func TestStartStop(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec := Spec{
		Name: "sleep", Path: sleep, Args: []string{"60"}, Dir: dir,
		LogFile: filepath.Join(dir, "logs", "sleep.log"), PIDFile: filepath.Join(dir, "pids", "sleep.pid"),
	}
	p, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Stop(p.PID, "sleep", time.Second) })
	if got := ReadPID(spec.PIDFile); got != p.PID {
		t.Errorf("PID file holds %d, want %d", got, p.PID)
	}
	if !Running(p.PID, "sleep") {
		t.Fatalf("sleep (PID %d) is not running after Start", p.PID)
	}
	if err := Stop(p.PID, "sleep", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-time.After(5 * time.Second):
		t.Fatal("Exited not closed after Stop")
	}
	if Running(p.PID, "sleep") {
		t.Errorf("sleep (PID %d) still running after Stop", p.PID)
	}
	if got := p.Status(); !strings.Contains(got, "terminated") {
		t.Errorf("Status = %q, want it killed by SIGTERM", got)
	}
}

func TestStartFails(t *testing.T) {
	dir := t.TempDir()
	_, err := Start(Spec{
		Name: "missing", Path: filepath.Join(dir, "no-such-program"), Dir: dir,
		LogFile: filepath.Join(dir, "missing.log"), PIDFile: filepath.Join(dir, "missing.pid"),
	})
	if err == nil || !strings.HasPrefix(err.Error(), "start missing: ") {
		t.Errorf("Start of a missing program: error %v, want it to start with \"start missing: \"", err)
	}
}
