//go:build unix

package localproc

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Lock takes an exclusive flock on dir, a directory that always exists, so
// that two runs of a tool never start or stop the same processes at once.
// who names those runs in errors ("hack/cluster.sh"). Lock retries until
// timeout, calling onWait once when it first has to wait. The lock goes
// with the process; unlock releases it earlier.
func Lock(dir, who string, timeout time.Duration, onWait func()) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	deadline := time.Now().Add(timeout)
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s against other runs of %s: %w", dir, who, err)
		}
		if !waited && onWait != nil {
			onWait()
		}
		time.Sleep(200 * time.Millisecond)
	}
}
