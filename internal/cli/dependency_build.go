package cli

import "github.com/spf13/cobra"

func newDependencyBuildCmd(f *Factory) *cobra.Command {
	o := &dependencyFetchOptions{}
	cmd := &cobra.Command{
		Use:   "build CHART",
		Short: "download the versions a chart's lock file pins into charts/",
		Long: `Download into CHART/charts/ exactly the dependency versions that
CHART/Chart.lock (requirements.lock for apiVersion v1 charts) names, as
CI does to rebuild a chart reproducibly. The lock file is not changed.

The lock must match Chart.yaml: when a dependency was added, removed or
changed since the lock was written, its digest no longer matches and
build fails, asking for berth dependency update. Without a lock file,
build does what update does. Downloads are checked and written as update
writes them.`,
		Example: `  berth dependency build ./mychart
  berth dependency build ./mychart --skip-refresh`,
		Args: exactArgs("chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.chartPath = args[0]
			if err := o.validate(f.In); err != nil {
				return err
			}
			return runDependencyFetch(cmd.Context(), f, o, true)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}
