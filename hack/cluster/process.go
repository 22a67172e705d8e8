//go:build unix

package main

import (
	"errors"
	"path/filepath"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// startDetached starts a component in its own session, so that it outlives
// up and ^C in up's terminal, with output to its log file, and records its PID.
func (c *cluster) startDetached(comp component) (*localproc.Process, error) {
	return localproc.Start(localproc.Spec{
		Name:    comp.name,
		Path:    filepath.Join(c.bin, comp.name),
		Args:    comp.args,
		Dir:     c.dir,
		LogFile: c.logFile(comp.name),
		PIDFile: c.pidFile(comp.name),
	})
}

// errExited reports a component that exited while up waited for it.
var errExited = errors.New("exited")
