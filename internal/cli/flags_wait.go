package cli

import (
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// waitFlag is --wait: a bool, that also takes Helm 4's wait strategies, so
// that a command line written for Helm 4 runs. watcher and legacy wait as
// berth does; hookOnly waits for hooks only, as --wait=false does.
type waitFlag bool

// Set parses true/false or a Helm wait strategy.
func (w *waitFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "watcher", "legacy":
		*w = true
	case "false", "hookonly":
		*w = false
	default:
		return usageErrorf("--wait=%s: use true or false (or Helm's watcher, legacy, hookOnly)", s)
	}
	return nil
}

func (w *waitFlag) String() string { return strconv.FormatBool(bool(*w)) }

// Type is "bool": the flag reads and documents as one.
func (w *waitFlag) Type() string { return "bool" }

// addWaitFlag adds --wait to fs, bound to p with default def.
func addWaitFlag(fs *pflag.FlagSet, p *bool, def bool, usage string) {
	*p = def
	fs.Var((*waitFlag)(p), "wait", usage+"; Helm's strategies are taken too: watcher and legacy wait, hookOnly does not")
	fs.Lookup("wait").NoOptDefVal = "true"
}
