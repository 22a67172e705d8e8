package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Main runs berth with the process's arguments and streams and returns the
// exit code. The context it runs commands with is cancelled on SIGINT and
// SIGTERM so that long operations can stop cleanly.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], NewStdIOStreams())
}

// Run executes berth with args and returns the exit code. It prints an error
// once, to streams.ErrOut, and maps it to an exit code with ExitCode.
func Run(ctx context.Context, args []string, streams IOStreams) int {
	f := NewFactory(streams)
	root := NewRootCmd(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	printError(streams.ErrOut, cmd, err)
	return ExitCode(err)
}

func printError(w io.Writer, cmd *cobra.Command, err error) {
	var silent *SilentError
	if errors.As(err, &silent) {
		return
	}
	fmt.Fprintf(w, "Error: %v\n", err)
	var usage *UsageError
	if errors.As(err, &usage) && cmd != nil {
		line := cmd.UseLine()
		if cmd.HasAvailableSubCommands() && !cmd.Runnable() || cmd.Parent() == nil {
			line = cmd.CommandPath() + " COMMAND [flags]"
		}
		fmt.Fprintf(w, "Usage: %s\n", line)
		hint := usage.Hint
		if hint == "" {
			hint = fmt.Sprintf("Run '%s --help' for more information.", cmd.CommandPath())
		}
		fmt.Fprintln(w, hint)
	}
}
