package cli

import "github.com/spf13/cobra"

// newSearchCmd returns "berth search", the parent of repo.
func newSearchCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "search COMMAND",
		Short: "search for charts",
		Long: `Search for charts by keyword. berth search repo searches the cached indexes
of the chart repositories added with berth repo add.`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSearchRepoCmd(f))
	return cmd
}
