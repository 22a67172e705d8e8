package stack

import (
	"io"
	"log/slog"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

// Exit codes of the stack commands beyond berth's own (0 ok, 1 error, 2
// usage or, with --detailed-exitcode, changes).
const (
	// ExitChanges is stack plan --detailed-exitcode's code for a plan
	// that changes something.
	ExitChanges = 2
	// ExitFailed is stack apply's code when a release failed or was
	// skipped.
	ExitFailed = 3
)

// Env is what the stack commands take from berth's command line: its
// streams and lazy constructors, so that --help reads no kubeconfig.
// internal/cli fills it from its Factory.
type Env struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// RESTConfig connects to the cluster of kubeconfig file and context;
	// empty ones are those of berth's connection flags.
	RESTConfig func(kubeconfig, context string) (*rest.Config, error)
	// NewStore returns the release storage of namespace with berth's
	// --storage driver.
	NewStore func(clients release.Clients, namespace string) (release.Storage, error)
	// AddChartFlags adds the registry and keyring flags to fs and returns
	// the chart locator they configure.
	AddChartFlags func(fs *pflag.FlagSet) func() *action.ChartLocator
	// Logger is berth's logger.
	Logger func() *slog.Logger
	// UsageError makes an error berth reports as a usage error (exit 2).
	UsageError func(format string, a ...any) error
	// Exit makes an error that exits with code, printing nothing.
	Exit func(code int) error
	// WriteDiff prints a diff as berth diff does.
	WriteDiff func(w io.Writer, res *action.DiffResult) error
	// IsTerminal says whether w is a terminal.
	IsTerminal func(w io.Writer) bool
}
