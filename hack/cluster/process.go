//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// startDetached starts a component in its own session, so that it outlives
// up and ^C in up's terminal, with output to its log file, and records its PID.
func (c *cluster) startDetached(comp component) (*localproc.Process, error) {
	dir := c.dir
	if comp.name == provisionerComponent {
		// It finds the repository from its working directory, as up
		// did; the state directory need not be inside it.
		dir = c.root
	}
	return localproc.Start(localproc.Spec{
		Name:    comp.name,
		Path:    c.program(c.bin, comp.name),
		Args:    comp.args,
		Dir:     dir,
		LogFile: c.logFile(comp.name),
		PIDFile: c.pidFile(comp.name),
	})
}

// errExited reports a component that exited while up waited for it.
var errExited = errors.New("exited")

// linkProvisioner points the provisioner's program (layout.program) at
// this executable, whose provision command it runs.
func (c *cluster) linkProvisioner() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program for the provisioner: %w", err)
	}
	link := c.program(c.bin, provisionerComponent)
	if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Symlink(self, link); err != nil {
		return fmt.Errorf("link the provisioner: %w", err)
	}
	return nil
}
