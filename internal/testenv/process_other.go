//go:build !unix

package testenv

import "syscall"

// Without Unix process groups there is no watchdog clean-up: the control
// plane is stopped only when the tests end normally.

func ownProcessGroup() *syscall.SysProcAttr { return nil }

func ignoreInterrupts() {}

func killGroup(int) {}

func alive(int) bool { return false }
