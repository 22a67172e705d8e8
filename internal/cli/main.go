package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"
)

// Main runs berth with the process's arguments and streams and returns the
// exit code. The context it runs commands with is cancelled on SIGINT and
// SIGTERM so that long operations can stop cleanly: record their revision
// as interrupted and release their lock. A second signal kills berth at
// once.
func Main() int {
	streams := NewStdIOStreams()
	if path := os.Getenv("BERTH_CPUPROFILE"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			fmt.Fprintf(streams.ErrOut, "Error: BERTH_CPUPROFILE: %v\n", err)
			return ExitError
		}
		defer stopProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	finished := make(chan struct{})
	defer close(finished)
	go onSignal(ctx, stop, finished, streams.ErrOut)
	return Run(ctx, os.Args[1:], streams)
}

// startCPUProfile writes a CPU profile of the whole run to path (for
// docs/performance.md: BERTH_CPUPROFILE=cpu.pprof berth ...; go tool pprof).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path) //nolint:gosec // the user's own path, from the user's environment
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// onSignal waits for ctx to be cancelled by a signal, then restores the
// signals' default handling, so that a second one ends berth at once, and
// says what berth is doing meanwhile. It returns when finished is closed.
func onSignal(ctx context.Context, stop context.CancelFunc, finished <-chan struct{}, w io.Writer) {
	select {
	case <-finished:
		return
	case <-ctx.Done():
	}
	cause := context.Cause(ctx)
	// The signal's cause matches Canceled too: only the bare error means
	// berth is exiting without a signal.
	if cause == context.Canceled { //nolint:errorlint // identity is the point
		return
	}
	stop()
	fmt.Fprintf(w, "berth: %v: stopping, recording the operation as interrupted and releasing the lock "+
		"(signal again to exit at once)\n", cause)
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
	printHookLogs(w, err)
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
