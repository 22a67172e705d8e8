package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	clistack "github.com/berth-sh/berth/internal/cli/stack"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// addStackCommands adds berth stack (internal/cli/stack) in the release
// group, with the storage flag of the release commands.
func addStackCommands(root *cobra.Command, f *Factory) {
	env := &clistack.Env{
		In: f.In, Out: f.Out, ErrOut: f.ErrOut,
		RESTConfig: f.stackRESTConfig,
		NewStore: func(clients release.Clients, ns string) (release.Storage, error) {
			return f.storage.newStore(clients, ns)
		},
		AddChartFlags: func(fs *pflag.FlagSet) func() *action.ChartLocator {
			reg := &registryFlags{}
			reg.AddFlags(fs)
			var keyring string
			fs.StringVar(&keyring, "keyring", "", "OpenPGP public keyring for releases with verify: true (default: GnuPG's pubring)")
			return func() *action.ChartLocator { return f.chartLocator(reg, keyring) }
		},
		Logger:     f.Logger,
		UsageError: usageErrorf,
		Exit:       func(code int) error { return &SilentError{Code: code} },
		WriteDiff: func(w io.Writer, res *action.DiffResult) error {
			return writeDiffText(w, res, IsTerminal(w))
		},
		IsTerminal: IsTerminal,
	}
	cmd := clistack.NewStackCmd(env)
	cmd.GroupID = groupRelease
	f.storage.AddFlags(cmd.PersistentFlags())
	root.AddCommand(cmd)
}

// stackRESTConfig returns the client configuration of an environment of a
// stack: the kubeconfig file and context it names, or, where it names
// none, those the connection flags and KUBECONFIG select. Its transport
// retries as RESTConfig's does.
func (f *Factory) stackRESTConfig(kubeconfig, context string) (*rest.Config, error) {
	if kubeconfig == "" && context == "" {
		return f.RESTConfig()
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	} else if f.KubeFlags.KubeConfig != nil && *f.KubeFlags.KubeConfig != "" {
		rules.ExplicitPath = *f.KubeFlags.KubeConfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig context %q: %w", context, err)
	}
	if err := f.helm.rateLimits(cfg); err != nil {
		return nil, err
	}
	return kube.WithRetries(cfg), nil
}
