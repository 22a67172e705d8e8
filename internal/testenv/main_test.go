package testenv

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// The watchdog of a crash child is this binary too, with the crash
	// variable inherited: Run must turn it into a watchdog, not a crash.
	if mode := os.Getenv(envCrashMode); mode != "" && os.Getenv(envWatchdog) == "" {
		os.Exit(crashChild(mode))
	}
	os.Exit(Run(m))
}
