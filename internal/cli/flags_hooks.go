package cli

import "github.com/spf13/pflag"

// hookFlags are the hook flags of the commands that change a release:
// --no-hooks, and for install and upgrade --rollback-on-failure with its
// alias --atomic.
type hookFlags struct {
	noHooks           bool
	rollbackOnFailure bool
}

// AddFlags adds --no-hooks to fs and, with rollback, --rollback-on-failure
// and --atomic.
func (h *hookFlags) AddFlags(fs *pflag.FlagSet, rollback bool) {
	fs.BoolVar(&h.noHooks, "no-hooks", false, "do not run the chart's hooks")
	if !rollback {
		return
	}
	const usage = "when the apply, a hook or the wait fails, roll back: an upgrade to the last successful revision, an install by uninstalling"
	fs.BoolVar(&h.rollbackOnFailure, "rollback-on-failure", false, usage)
	fs.BoolVar(&h.rollbackOnFailure, "atomic", false, "alias of --rollback-on-failure")
}
