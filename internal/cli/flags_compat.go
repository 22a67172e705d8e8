package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/action"
)

// compatFlag is a Helm flag a berth command accepts, so that a command line
// written for Helm runs unchanged, but that means nothing to the command:
// an apply setting on template, which applies nothing, or a setting berth
// always has (server-side apply). Its help says so.
type compatFlag struct {
	name      string
	shorthand string
	kind      compatKind
	// def is the default of a bool (true) or string flag; noOpt is the
	// value a bare --name means.
	def, noOpt string
	help       string
}

type compatKind int

const (
	compatBool compatKind = iota
	compatString
	compatDuration
	compatStringArray
	compatStringToString
)

// addCompatFlags adds flags to fs; their values are parsed (so a malformed
// one is still an error) and dropped.
func addCompatFlags(fs *pflag.FlagSet, flags ...compatFlag) {
	for _, f := range flags {
		help := f.help
		switch f.kind {
		case compatBool:
			fs.BoolP(f.name, f.shorthand, f.def == "true", help)
		case compatString:
			fs.StringP(f.name, f.shorthand, f.def, help)
		case compatDuration:
			fs.DurationP(f.name, f.shorthand, 5*time.Minute, help)
		case compatStringArray:
			fs.StringArrayP(f.name, f.shorthand, nil, help)
		case compatStringToString:
			fs.StringToStringP(f.name, f.shorthand, nil, help)
		}
		if f.noOpt != "" {
			fs.Lookup(f.name).NoOptDefVal = f.noOpt
		}
	}
}

// templateIgnores are the flags of helm template (Helm 4, and Helm 3's that
// Helm 4 dropped) that change only what an install would do to a cluster:
// template accepts them, as Helm does, and renders the same without them.
var templateIgnores = []compatFlag{
	{name: "atomic", help: "accepted for Helm's sake (Helm 3); template applies nothing"},
	{name: "create-namespace", help: "accepted for Helm's sake; template applies nothing"},
	{name: "description", kind: compatString, help: "accepted for Helm's sake; template records nothing"},
	{name: "disable-openapi-validation", help: "accepted for Helm's sake; template validates against no cluster"},
	{name: "force-conflicts", help: "accepted for Helm's sake; template applies nothing"},
	{name: "force-replace", help: "accepted for Helm's sake; template applies nothing"},
	{name: "hide-notes", help: "accepted for Helm's sake; template prints no notes"},
	{name: "labels", shorthand: "l", kind: compatStringToString, help: "accepted for Helm's sake; template records no release"},
	{name: "render-subchart-notes", help: "accepted for Helm's sake; template prints no notes"},
	{name: "replace", help: "accepted for Helm's sake; template records no release"},
	{name: "rollback-on-failure", help: "accepted for Helm's sake; template applies nothing"},
	{name: "server-side", def: "true", help: "accepted for Helm's sake; template applies nothing (berth always applies server-side)"},
	{name: "take-ownership", help: "accepted for Helm's sake; template applies nothing"},
	{name: "timeout", kind: compatDuration, help: "accepted for Helm's sake; template waits for nothing"},
	{name: "wait", kind: compatString, noOpt: "watcher", help: "accepted for Helm's sake; template waits for nothing"},
	{name: "wait-for-jobs", help: "accepted for Helm's sake; template waits for nothing"},
}

// addHistoryMaxAlias adds Helm's --history-max, another name of a's
// --max-history.
func addHistoryMaxAlias(fs *pflag.FlagSet, a *applyFlags) {
	fs.IntVar(&a.maxHistory, "history-max", action.DefaultMaxHistory, "Helm's name of --max-history")
}
