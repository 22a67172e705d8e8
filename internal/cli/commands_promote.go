package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/cli/promote"
	clistack "github.com/berth-sh/berth/internal/cli/stack"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/signing"
	"github.com/berth-sh/berth/pkg/stack"
)

// addPromoteCommands adds berth promote (internal/cli/promote) in the
// release group, with the storage flag of the release commands.
func addPromoteCommands(root *cobra.Command, f *Factory) {
	env := &promote.Env{
		In: f.In, Out: f.Out, ErrOut: f.ErrOut,
		Namespace: f.Namespace,
		Context:   f.kubeContextName,
		Config:    f.actionConfigIn,
		AddFlags:  f.promoteFlags,
		StackTarget: func(s *stack.Stack, env string) (*action.StackTarget, error) {
			return clistack.NewTarget(&clistack.Env{
				RESTConfig: f.stackRESTConfig, Logger: f.Logger,
				NewStore: func(clients release.Clients, ns string) (release.Storage, error) {
					return f.storage.newStore(clients, ns)
				},
			}, s, env)
		},
		UsageError: usageErrorf,
	}
	cmd := promote.NewPromoteCmd(env)
	cmd.GroupID = groupRelease
	f.storage.AddFlags(cmd.PersistentFlags())
	root.AddCommand(cmd)
}

// kubeContextName is the name of the kubeconfig context the connection
// flags select.
func (f *Factory) kubeContextName() (string, error) {
	if c := f.KubeFlags.Context; c != nil && *c != "" {
		return *c, nil
	}
	raw, err := f.KubeFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return "", fmt.Errorf("read kubeconfig: %w", err)
	}
	return raw.CurrentContext, nil
}

// actionConfigIn is ActionConfig for namespace ns in kubeconfig context
// kubeContext; "" is the context (and every connection flag) of the
// command line.
func (f *Factory) actionConfigIn(kubeContext, ns string) (*action.Configuration, error) {
	var (
		rc  *rest.Config
		err error
	)
	if kubeContext == "" {
		rc, err = f.RESTConfig()
	} else {
		rc, err = f.stackRESTConfig("", kubeContext)
	}
	if err != nil {
		return nil, err
	}
	kc, err := kube.New(rc)
	if err != nil {
		return nil, fmt.Errorf("connect to cluster: %w", err)
	}
	clients, err := release.NewClients(rc)
	if err != nil {
		return nil, fmt.Errorf("connect to cluster: %w", err)
	}
	store, err := f.storage.newStore(clients, ns)
	if err != nil {
		return nil, err
	}
	return &action.Configuration{
		Namespace: ns, Kube: kc, Store: store, Locker: release.NewLocker(clients.Kube, ns), Logger: f.Logger(),
	}, nil
}

// promoteFlags adds the shared flag groups berth promote takes to fs.
func (f *Factory) promoteFlags(fs *pflag.FlagSet) *promote.Flags {
	values, apply, hooks, output := &valuesFlags{}, &applyFlags{}, &hookFlags{}, &outputFlags{}
	values.AddFlags(fs)
	apply.AddFlags(fs)
	hooks.AddFlags(fs, true)
	output.AddFlags(fs)
	// The chart's source flags without --version and --repo: promote takes
	// the chart the source runs.
	ref := &chartRefFlags{}
	reg := &ref.registry
	reg.AddFlags(fs)
	fs.StringVar(&ref.keyring, "keyring", "",
		"OpenPGP public keyring that --require-signature checks .prov files against, without a trust policy (default: GnuPG's pubring)")
	fs.StringVar(&ref.policy, "policy", "", "trust policy file (kind TrustPolicy) that --require-signature checks the chart against "+
		"(default: $"+signing.EnvPolicy+", or berth/trust-policy.yaml in the user config directory when it exists)")
	prov := &provenanceFlags{}
	fs.StringVar(&prov.ciURL, "ci-url", "", "URL of the CI run recorded in the target revision's provenance (default: the CI's)")
	return &promote.Flags{
		Values: func() (map[string]any, error) { return values.userValues(f.In) },
		Apply: func() (action.ApplySettings, error) {
			s, err := apply.settings()
			s.NoHooks = hooks.noHooks
			return s, err
		},
		RollbackOnFailure: func() bool { return hooks.rollbackOnFailure },
		Format:            func() (string, error) { return output.Format, output.Validate() },
		Print:             output.Print,
		Locate: func(ctx context.Context, req action.ChartRequest) (*action.LocatedChart, error) {
			loc := f.chartLocator(reg, ref.keyring)
			if req.Verify {
				policy, err := ref.chartPolicy()
				if err != nil {
					return nil, err
				}
				loc.Policy = policy
			}
			return loc.Locate(ctx, req)
		},
		Locator: func(verify bool) (*action.ChartLocator, error) {
			loc := f.chartLocator(reg, ref.keyring)
			if !verify {
				return loc, nil
			}
			policy, err := ref.chartPolicy()
			loc.Policy = policy
			return loc, err
		},
		Copy: func(ctx context.Context, src, dst string) (string, error) {
			client, err := reg.Client()
			if err != nil {
				return "", err
			}
			res, err := client.Copy(ctx, src, dst)
			if err != nil {
				return "", err
			}
			return res.Digest, nil
		},
		Origin: func(ctx context.Context, online bool) action.Origin { return f.origin(ctx, prov, online) },
		Progress: func(cfg *action.Configuration, format string) func() {
			return startProgress(cfg, f.ErrOut, format).Close
		},
		Report: func(rel *release.Release, cs *kube.ChangeSet) any {
			return dryRunReportOf(rel, cs, action.DryRun(apply.dryRun))
		},
		WriteReport: func(w io.Writer, rel *release.Release, cs *kube.ChangeSet) error {
			return writeReport(w, dryRunReportOf(rel, cs, action.DryRun(apply.dryRun)))
		},
	}
}
