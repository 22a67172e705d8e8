package cli

import "github.com/spf13/cobra"

// newRegistryCmd returns "berth registry", the parent of login and logout.
func newRegistryCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry COMMAND",
		Short: "log in to and out of OCI registries",
		Long: `Manage the credentials berth uses for OCI registries. They are kept in a
docker-style config.json (docker's own unless --registry-config names
another), or in the credential helper it names, so a 'docker login' works
for berth too.`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newRegistryLoginCmd(f), newRegistryLogoutCmd(f))
	return cmd
}
