package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
)

// newDependencyCmd returns "berth dependency", the parent of list, update
// and build.
func newDependencyCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "dependency COMMAND",
		Aliases: []string{"dep", "dependencies"},
		Short:   "list, update and build a chart's dependencies",
		Long: `Manage the dependencies a chart declares in Chart.yaml (requirements.yaml
for apiVersion v1 charts): the charts/ directory they are downloaded into
and the lock file (Chart.lock, or requirements.lock) that pins their
versions. Both are Helm's formats: a chart whose dependencies berth
updated builds with helm, and the other way round.

A dependency's repository is one of:
  https://HOST/PATH   a chart repository (its index.yaml), added or not
  @NAME, alias:NAME   a repository added with berth repo add
  oci://HOST/PATH     an OCI registry; the chart is oci://HOST/PATH/NAME
  file://PATH         a chart directory, relative to the chart
  (empty)             a chart kept unpacked in charts/NAME`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDependencyListCmd(f), newDependencyUpdateCmd(f), newDependencyBuildCmd(f))
	return cmd
}

// dependencyFetchOptions are the options of dependency update and build.
type dependencyFetchOptions struct {
	registry      registryFlags
	output        outputFlags
	chartPath     string
	skipRefresh   bool
	username      string
	password      string
	passwordStdin bool
	verify        bool
	keyring       string
	policy        string
}

// AddFlags adds the fetch flags to fs.
func (o *dependencyFetchOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.skipRefresh, "skip-refresh", false, "use the cached indexes of added repositories instead of fetching them")
	fs.StringVar(&o.username, "username", "", "user name for chart repositories given by URL and not added")
	fs.StringVar(&o.password, "password", "", "password for --username (visible to other users: prefer --password-stdin)")
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password for --username from stdin")
	fs.BoolVar(&o.verify, "verify", false,
		"check every chart downloaded from a registry or repository against the trust policy (or its .prov against --keyring) before writing it")
	fs.StringVar(&o.keyring, "keyring", "", "OpenPGP public keyring for --verify without a trust policy (default: pubring.gpg, or pubring.kbx, in $GNUPGHOME or ~/.gnupg)")
	fs.StringVar(&o.policy, "policy", "", policyFlagHelp)
	o.registry.AddFlags(fs)
	o.output.AddFlags(fs)
}

func (o *dependencyFetchOptions) validate(in io.Reader) error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	switch {
	case o.passwordStdin && o.password != "":
		return usageErrorf("--password and --password-stdin are exclusive")
	case o.passwordStdin:
		b, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		o.password = strings.TrimRight(string(b), "\r\n")
	}
	return nil
}

// dependencies builds the action from the flags.
func (o *dependencyFetchOptions) dependencies(f *Factory) (*action.Dependencies, error) {
	configPath, err := f.Repos.configPath()
	if err != nil {
		return nil, err
	}
	cacheDir, err := f.Repos.cacheDir()
	if err != nil {
		return nil, err
	}
	repos, err := repo.LoadFile(configPath)
	if err != nil {
		return nil, err
	}
	var policy action.ChartPolicy
	if o.verify || o.policy != "" {
		if policy, err = dependencyPolicy(o.policy, o.keyring, o.registry.CachedClient); err != nil {
			return nil, err
		}
	}
	return &action.Dependencies{
		Policy:       policy,
		ChartPath:    o.chartPath,
		Repositories: repos,
		CacheDir:     cacheDir,
		SkipRefresh:  o.skipRefresh,
		Unadded: repo.Entry{
			Username: o.username, Password: o.password,
			CAFile: o.registry.CAFile, CertFile: o.registry.CertFile, KeyFile: o.registry.KeyFile,
			InsecureSkipTLSVerify: o.registry.InsecureSkipTLSVerify,
		},
		UserAgent: userAgent(),
		Registry:  func() (*oci.Client, error) { return o.registry.CachedClient() },
		Log:       func(msg string) { fmt.Fprintln(f.ErrOut, msg) },
	}, nil
}

// runDependencyFetch runs update, or build, and prints the result.
func runDependencyFetch(ctx context.Context, f *Factory, o *dependencyFetchOptions, build bool) error {
	deps, err := o.dependencies(f)
	if err != nil {
		return err
	}
	run := deps.Update
	if build {
		run = deps.Build
	}
	res, err := run(ctx)
	if err != nil {
		return err
	}
	return o.output.Print(f.Out, res, func(w io.Writer) error {
		for _, c := range res.Charts {
			rel, err := filepath.Rel(o.chartPath, c.Path)
			if err != nil {
				rel = c.Path
			}
			fmt.Fprintf(w, "Saved %s %s to %s (%s)\n", c.Name, c.Version, rel, c.Digest)
		}
		switch {
		case res.LockWritten:
			fmt.Fprintf(w, "Wrote %s\n", res.LockFile)
		case res.Lock != nil && build:
			fmt.Fprintf(w, "Built from %s\n", res.LockFile)
		case res.Lock != nil:
			fmt.Fprintf(w, "%s is up to date\n", res.LockFile)
		default:
			fmt.Fprintf(w, "%s has no dependencies\n", o.chartPath)
		}
		return nil
	})
}
