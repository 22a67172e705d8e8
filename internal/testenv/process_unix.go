//go:build unix

package testenv

import (
	"os"
	"os/signal"
	"syscall"
)

func ownProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func ignoreInterrupts() { signal.Ignore(os.Interrupt, syscall.SIGHUP) }

// killGroup kills the process group led by pid (envtest starts each process
// in its own group) and pid itself.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// alive reports whether pid runs and is not a zombie waiting to be reaped.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	state, _, err := procStat(pid)
	return err != nil || state != 'Z'
}
