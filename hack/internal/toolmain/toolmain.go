package toolmain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Tool is a program with sub-commands that act on a T (the cluster, the
// registry).
type Tool[T any] struct {
	Name     string // prefix of error messages ("cluster")
	Usage    string // printed on a wrong command line
	New      func() (T, error)
	Commands map[string]func(context.Context, T) error
	// Reported is an error the command has already described on stdout:
	// Run exits 1 without printing it again. Nil if there is none.
	Reported error
}

// Run runs the sub-command named by args, the command line without the
// program name, and returns the exit code.
func (t Tool[T]) Run(args []string, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, t.Usage)
		return ExitUsage
	}
	command, ok := t.Commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n%s", t.Name, args[0], t.Usage)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	target, err := t.New()
	if err == nil {
		err = command(ctx, target)
	}
	if t.Reported != nil && errors.Is(err, t.Reported) {
		return ExitError
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", t.Name, err)
		return ExitError
	}
	return ExitOK
}
