package cli

import "github.com/spf13/cobra"

func newDependencyUpdateCmd(f *Factory) *cobra.Command {
	o := &dependencyFetchOptions{}
	cmd := &cobra.Command{
		Use:     "update CHART",
		Aliases: []string{"up"},
		Short:   "resolve a chart's dependencies, download them into charts/ and write the lock file",
		Long: `Resolve each dependency's version constraint against its repository (the
highest version it accepts; pre-releases only when the constraint has a
pre-release part), download the chosen charts into CHART/charts/ and write
CHART/Chart.lock (requirements.lock for apiVersion v1 charts) with the
exact versions and Helm's digest of the dependencies. The lock is left
alone when the digest shows nothing changed.

Every download finishes, and is checked against the digest its
repository index or registry gives, before anything is written; each
archive is written to a temporary file and renamed into place. Chart
archives in charts/ that are no longer dependencies are removed.

Added repositories are used with their credentials and TLS settings and
their cached indexes are refreshed (unless --skip-refresh). Repositories
given by URL and not added are used with --username/--password-stdin and
the TLS flags, which also apply to OCI registries. Progress goes to
stderr; -o json prints the result: lock, lockFile, lockWritten, charts
(name, version, repository, path, digest) and removed.`,
		Example: `  berth dependency update ./mychart
  berth dependency update ./mychart --skip-refresh -o json`,
		Args: exactArgs("chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.chartPath = args[0]
			if err := o.validate(f.In); err != nil {
				return err
			}
			return runDependencyFetch(cmd.Context(), f, o, false)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}
