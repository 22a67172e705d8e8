package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

// Exit codes of berth. They are part of berth's interface: scripts and CI
// depend on them.
const (
	// ExitOK means the command did what was asked.
	ExitOK = 0
	// ExitError means the command failed.
	ExitError = 1
	// ExitUsage means the command line was wrong: unknown command or flag,
	// wrong number of arguments, invalid flag value.
	ExitUsage = 2
	// ExitChanges is returned by commands run with --detailed-exitcode when
	// they found changes.
	ExitChanges = 2

	// The exit codes of berth promote's refusals, one per gate
	// (docs/promotion.md); when several gates refuse, the first's.
	ExitRefusedSoak       = 3
	ExitRefusedTests      = 4
	ExitRefusedSignature  = 5
	ExitRefusedSameDigest = 6
	ExitRefusedApproved   = 7
)

// refusalExitCodes map the gates of berth promote to their exit codes.
var refusalExitCodes = map[action.Gate]int{
	action.GateSoak: ExitRefusedSoak, action.GateTests: ExitRefusedTests, action.GateSignature: ExitRefusedSignature,
	action.GateSameDigest: ExitRefusedSameDigest, action.GateApproved: ExitRefusedApproved,
}

// UsageError is an error in the command line. berth prints it with the
// command's usage line and a hint, and exits with ExitUsage.
type UsageError struct {
	Err  error
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usageErrorf returns a UsageError with a formatted message.
func usageErrorf(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// SilentError carries an exit code for a result that the command already
// reported, such as changes found by diff --detailed-exitcode.
type SilentError struct {
	Code int
}

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode maps an error returned by a command to berth's exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var silent *SilentError
	if errors.As(err, &silent) {
		return silent.Code
	}
	var usage *UsageError
	if errors.As(err, &usage) {
		return ExitUsage
	}
	var refused *action.PromoteRefusedError
	if errors.As(err, &refused) && len(refused.Refusals) > 0 {
		if code, ok := refusalExitCodes[refused.Refusals[0].Gate]; ok {
			return code
		}
	}
	return ExitError
}

// flagErrorFunc turns cobra's flag parsing errors into usage errors.
func flagErrorFunc(_ *cobra.Command, err error) error {
	return &UsageError{Err: err}
}

// exactArgs is cobra.ExactArgs with a message that names the arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		return argsError(cmd, args, names, len(names), len(names))
	}
}

// rangeArgs accepts between min and max arguments; names are the arguments
// in order, the optional ones last.
func rangeArgs(minArgs, maxArgs int, names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= minArgs && len(args) <= maxArgs {
			return nil
		}
		return argsError(cmd, args, names, minArgs, maxArgs)
	}
}

// noArgs rejects any positional argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usageErrorf("%q takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
}

func argsError(cmd *cobra.Command, args, names []string, minArgs, maxArgs int) error {
	want := strings.ToUpper(strings.Join(names, " "))
	switch {
	case len(args) == 0:
		return usageErrorf("%q needs %s", cmd.CommandPath(), want)
	case len(args) < minArgs:
		return usageErrorf("%q needs %s; missing %s", cmd.CommandPath(), want,
			strings.ToUpper(strings.Join(names[len(args):minArgs], " ")))
	default:
		return usageErrorf("%q takes at most %d argument(s) (%s), got %d: %q", cmd.CommandPath(), maxArgs, want,
			len(args), strings.Join(args, " "))
	}
}
