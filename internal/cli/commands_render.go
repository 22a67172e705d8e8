package cli

import "github.com/spf13/cobra"

// addRenderCommands adds the commands that render charts offline (template,
// lint), in the chart group.
func addRenderCommands(root *cobra.Command, f *Factory) {
	for _, cmd := range []*cobra.Command{
		newTemplateCmd(f),
		newLintCmd(f),
	} {
		cmd.GroupID = groupChart
		root.AddCommand(cmd)
	}
}
