//go:build unix

// Package localproc manages the background processes that hack/cluster and
// hack/registry start for tests and the demo: it starts a program detached
// in its own session with its output in a log file and its PID in a PID
// file, tells whether a recorded PID still runs that program (not a zombie,
// not a recycled PID), stops a process group with SIGTERM then SIGKILL,
// serialises runs with a flock on a directory, and picks free loopback ports.
//
// It is for local development tools only: it relies on /proc and on unix
// process groups.
package localproc
