package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envCrashMode makes the test binary a crash child: it starts a control
// plane, prints "ready", reads a line, and then panics ("panic") or waits to be killed
// ("hang"); with "starting" it is killed while the control plane starts.
const envCrashMode = "BERTH_TESTENV_CRASH_MODE"

func crashChild(mode string) int {
	if _, err := start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Println("ready")
	// Wait until the parent has seen our children.
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	if mode == "panic" {
		panic("crash child panics with its control plane running")
	}
	time.Sleep(time.Hour) // wait for SIGKILL
	return 3
}

// TestNothingLeftWhenTestBinaryDies runs a test binary that starts a control
// plane and dies without stopping it, and checks that etcd, the API server
// and their directory are gone soon after.
func TestNothingLeftWhenTestBinaryDies(t *testing.T) {
	for _, mode := range []string{"panic", "hang", "starting"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envCrashMode+"="+mode)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			in, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			var pids []int
			var dir string
			if mode == "starting" {
				pids, dir = waitForChildren(t, cmd.Process.Pid, &stderr)
			} else {
				if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
					t.Fatalf("crash child said %q, %v; stderr:\n%s", line, err, stderr.String())
				}
				pids, dir = controlPlaneChildren(t, cmd.Process.Pid)
				_, _ = in.Write([]byte("go\n"))
			}
			if mode != "panic" {
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
			var exit *exec.ExitError
			if err := cmd.Wait(); !errors.As(err, &exit) {
				t.Fatalf("crash child: got %v, want it to exit with a failure; stderr:\n%s", err, stderr.String())
			}
			deadline := time.Now().Add(killGrace + 5*time.Second)
			if !waitGone(pids, time.Until(deadline)) {
				t.Fatalf("processes %v still alive after the test binary died", pids)
			}
			for !dirGone(dir) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if !dirGone(dir) {
				t.Errorf("control plane directory %s still there after the test binary died", dir)
			}
		})
	}
}

func dirGone(dir string) bool {
	_, err := os.Stat(dir)
	return errors.Is(err, os.ErrNotExist)
}

// waitForChildren waits until the crash child has started kube-apiserver (not
// necessarily ready) and returns its control-plane processes.
func waitForChildren(t *testing.T, ppid int, stderr fmt.Stringer) ([]int, string) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if pids, _ := findChildren(ppid); len(pids) == 2 {
			return controlPlaneChildren(t, ppid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("crash child started no kube-apiserver within %s; stderr:\n%s", startTimeout, stderr)
	return nil, ""
}

// controlPlaneChildren returns the etcd and kube-apiserver children of ppid
// and the control plane directory, read from etcd's --data-dir.
func controlPlaneChildren(t *testing.T, ppid int) ([]int, string) {
	t.Helper()
	pids, dataDir := findChildren(ppid)
	if len(pids) != 2 || dataDir == "" {
		t.Fatalf("children of %d: %v, etcd data dir %q; want etcd and kube-apiserver", ppid, pids, dataDir)
	}
	return pids, filepath.Dir(dataDir)
}

// findChildren scans /proc for etcd and kube-apiserver children of ppid.
func findChildren(ppid int) (pids []int, etcdDataDir string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		name := string(bytes.TrimSpace(comm))
		if _, parent, err := procStat(pid); err != nil || parent != ppid || (name != "etcd" && name != "kube-apiserver") {
			continue
		}
		pids = append(pids, pid)
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			if v, ok := strings.CutPrefix(arg, "--data-dir="); ok && name == "etcd" {
				etcdDataDir = v
			}
		}
	}
	return pids, etcdDataDir
}

// TestWatchdog feeds the watchdog a directory that a running process uses,
// then either "done" (keep both) or end of input (kill and remove them).
func TestWatchdog(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantGone bool
	}{
		{name: "released", input: "done\n", wantGone: false},
		{name: "abandoned", input: "", wantGone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			// Like etcd's --data-dir=DIR/etcd, the path is in the arguments.
			user := exec.Command("sh", "-c", "sleep 60", filepath.Join(dir, "marker"))
			user.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := user.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = user.Wait(); close(exited) }()
			t.Cleanup(func() { _ = syscall.Kill(-user.Process.Pid, syscall.SIGKILL); <-exited })

			if code := runWatchdog(strings.NewReader("dir " + dir + "\n" + tt.input)); code != 0 {
				t.Fatalf("runWatchdog = %d, want 0", code)
			}
			select {
			case <-exited:
				if !tt.wantGone {
					t.Error("process was killed, want it left running")
				}
			case <-time.After(100 * time.Millisecond):
				if tt.wantGone {
					t.Error("process still running, want it killed")
				}
			}
			if dirGone(dir) != tt.wantGone {
				t.Errorf("directory removed: %v, want %v", dirGone(dir), tt.wantGone)
			}
		})
	}
}
