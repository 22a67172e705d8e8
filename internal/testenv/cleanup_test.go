package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envCrashMode makes the test binary a crash child: it starts a control
// plane, prints "pids P1 P2 dir D" and then panics ("panic") or waits to be
// killed ("hang").
const envCrashMode = "BERTH_TESTENV_CRASH_MODE"

func crashChild(mode string) int {
	cp, err := start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	pids, err := childPIDs(os.Getpid(), "etcd", "kube-apiserver")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Printf("pids %d %d dir %s\n", pids[0], pids[1], cp.dir)
	if mode == "panic" {
		panic("crash child panics with its control plane running")
	}
	time.Sleep(time.Hour) // "hang": wait for SIGKILL
	return 3
}

// TestNothingLeftWhenTestBinaryDies runs a test binary that starts a control
// plane and then dies without stopping it, and checks that etcd, the API
// server and their directory are gone soon after.
func TestNothingLeftWhenTestBinaryDies(t *testing.T) {
	for _, mode := range []string{"panic", "hang"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envCrashMode+"="+mode)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pids, dir := readCrashReport(t, out, &stderr)
			if mode == "hang" {
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
			var exit *exec.ExitError
			if err := cmd.Wait(); !errors.As(err, &exit) {
				t.Fatalf("crash child: got %v, want it to exit with a failure; stderr:\n%s", err, stderr.String())
			}
			start := time.Now()
			if !waitGone(pids, killGrace+5*time.Second) {
				t.Fatalf("processes %v still alive after the test binary died", pids)
			}
			for !dirGone(dir) && time.Since(start) < killGrace+5*time.Second {
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

func readCrashReport(t *testing.T, out io.Reader, stderr fmt.Stringer) ([]int, string) {
	t.Helper()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read crash child report: %v; stderr:\n%s", err, stderr)
	}
	f := strings.Fields(line)
	if len(f) != 5 || f[0] != "pids" || f[3] != "dir" {
		t.Fatalf("crash child report %q: want \"pids P1 P2 dir D\"", line)
	}
	var pids []int
	for _, s := range f[1:3] {
		pid, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("crash child report %q: %v", line, err)
		}
		if !alive(pid) {
			t.Fatalf("process %d of the crash child is not running", pid)
		}
		pids = append(pids, pid)
	}
	return pids, f[4]
}

// TestWatchdog feeds the watchdog a process and a directory, then either
// "done" (keep both) or end of input (stop and remove them).
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
			dir := t.TempDir() + "/data"
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			sleeper := exec.Command("sleep", "60")
			sleeper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := sleeper.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = sleeper.Wait(); close(exited) }()
			t.Cleanup(func() { _ = sleeper.Process.Kill(); <-exited })

			input := fmt.Sprintf("dir %s\npid %d\n%s", dir, sleeper.Process.Pid, tt.input)
			if code := runWatchdog(strings.NewReader(input)); code != 0 {
				t.Fatalf("runWatchdog = %d, want 0", code)
			}
			select {
			case <-exited:
				if !tt.wantGone {
					t.Error("process was stopped, want it left running")
				}
			case <-time.After(100 * time.Millisecond):
				if tt.wantGone {
					t.Error("process still running, want it stopped")
				}
			}
			if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) != tt.wantGone {
				t.Errorf("directory: stat error %v, want removed=%v", err, tt.wantGone)
			}
		})
	}
}
