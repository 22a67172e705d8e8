package cli

import "github.com/spf13/cobra"

// addChartCommands adds the commands that create, inspect and package charts
// (create, show, package, verify, dependency), in the chart group.
func addChartCommands(root *cobra.Command, f *Factory) {
	for _, cmd := range []*cobra.Command{
		newCreateCmd(f),
		newShowCmd(f),
		newPackageCmd(f),
		newVerifyCmd(f),
		newDependencyCmd(f),
	} {
		cmd.GroupID = groupChart
		root.AddCommand(cmd)
	}
}
