package promote

import (
	"context"
	"io"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// Env is what berth promote takes from berth's command line: its streams,
// lazy constructors (so that --help reads no kubeconfig) and shared flag
// groups. internal/cli fills it from its Factory.
type Env struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// Namespace is the namespace -n or the kubeconfig selects.
	Namespace func() (string, error)
	// Context is the name of the kubeconfig context the connection flags
	// select.
	Context func() (string, error)
	// Config returns the action configuration of the releases of namespace
	// in kubeconfig context kubeContext; "" is the context the connection
	// flags select, with all of them.
	Config func(kubeContext, namespace string) (*action.Configuration, error)
	// AddFlags adds berth's shared flag groups to fs: values, apply, hooks,
	// output, registry and signature checking, provenance.
	AddFlags func(fs *pflag.FlagSet) *Flags
	// StackTarget connects to environment env of stack s, as the stack
	// commands do (promote --stack).
	StackTarget func(s *stack.Stack, env string) (*action.StackTarget, error)
	// UsageError makes an error berth reports as a usage error (exit 2).
	UsageError func(format string, a ...any) error
}

// Flags read berth's shared flag groups once the command line is parsed.
type Flags struct {
	// Values are the user values of -f, --set and the rest.
	Values func() (map[string]any, error)
	// Apply are the apply settings (--wait, --timeout, --dry-run, ...).
	Apply func() (action.ApplySettings, error)
	// RollbackOnFailure is --rollback-on-failure.
	RollbackOnFailure func() bool
	// Format is -o, checked.
	Format func() (string, error)
	// Print writes v as -o says; table prints the table format.
	Print func(w io.Writer, v any, table func(io.Writer) error) error
	// Locate finds and loads charts with the registry and signature flags;
	// Locator is the locator it uses, with the trust policy when verify.
	Locate  func(ctx context.Context, req action.ChartRequest) (*action.LocatedChart, error)
	Locator func(verify bool) (*action.ChartLocator, error)
	// Copy copies an OCI artifact with its referrers, returning the
	// destination's digest.
	Copy func(ctx context.Context, src, dst string) (string, error)
	// Origin is who runs berth and from where (CI variables, --ci-url);
	// online also asks the API server.
	Origin func(ctx context.Context, online bool) action.Origin
	// Progress reports cfg's progress on stderr as the output format says;
	// the function returned stops it.
	Progress func(cfg *action.Configuration, format string) func()
	// Report is berth's report of a revision and its changes, as install
	// and upgrade print it (JSON); WriteReport prints it as a table.
	Report      func(rel *release.Release, cs *kube.ChangeSet) any
	WriteReport func(w io.Writer, rel *release.Release, cs *kube.ChangeSet) error
}
