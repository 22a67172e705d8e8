package testenv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// envWatchdog marks the test binary re-executed by Run as the watchdog.
const envWatchdog = "BERTH_TESTENV_WATCHDOG"

// killGrace bounds how long the watchdog waits for killed processes to go.
const killGrace = 10 * time.Second

// watchdog is a child process (the test binary itself) that reads from a pipe
// the directories of the control plane. When the pipe closes without a
// "done" line — the test binary exited without stopping the control plane,
// even while still starting it — it kills every process whose command line
// names a path in those directories (etcd's data, the API server's
// certificates) and removes them. It has its own process group and ignores
// SIGINT, so ^C reaches the test binary and not it.
type watchdog struct {
	cmd *exec.Cmd
	in  io.WriteCloser
}

// startWatchdog re-executes the test binary as a watchdog that removes dir.
func startWatchdog(dir string) (*watchdog, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	// Not bound to a context: the watchdog must outlive the test binary.
	cmd := exec.CommandContext(context.Background(), exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envWatchdog+"=1")
	cmd.SysProcAttr = ownProcessGroup()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start watchdog %s: %w", exe, err)
	}
	w := &watchdog{cmd: cmd, in: in}
	if _, err := fmt.Fprintf(in, "dir %s\n", dir); err != nil {
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	return w, nil
}

// release tells the watchdog that the control plane is stopped and waits for
// it to exit.
func (w *watchdog) release() error {
	_, err := io.WriteString(w.in, "done\n")
	if err == nil {
		err = w.in.Close()
	}
	if werr := w.cmd.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("release watchdog: %w", err)
	}
	return nil
}

// runWatchdog is the watchdog's main: it collects "dir D" lines from in
// until "done" (nothing to do) or end of input (clean up).
func runWatchdog(in io.Reader) int {
	ignoreInterrupts()
	var dirs []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		kind, arg, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "done":
			return 0
		case "dir":
			dirs = append(dirs, arg)
		}
	}
	for _, dir := range dirs {
		stopProcesses(processesUsing(dir))
		_ = os.RemoveAll(dir)
	}
	return 0
}

// stopProcesses kills each process and its group and waits up to killGrace
// for them to go. There is nothing to save: the data is deleted next.
func stopProcesses(pids []int) {
	for _, pid := range pids {
		killGroup(pid)
	}
	waitGone(pids, killGrace)
}

// waitGone polls until none of pids is alive; it reports false on timeout.
func waitGone(pids []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		gone := true
		for _, pid := range pids {
			gone = gone && !alive(pid)
		}
		if gone {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
