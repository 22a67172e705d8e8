package cli

import "github.com/spf13/cobra"

// addRegistryCommands adds the commands that talk to OCI registries (push,
// pull, registry login/logout), in the registry group.
func addRegistryCommands(root *cobra.Command, f *Factory) {
	for _, cmd := range []*cobra.Command{
		newPushCmd(f),
		newPullCmd(f),
		newRegistryCmd(f),
	} {
		cmd.GroupID = groupRegistry
		root.AddCommand(cmd)
	}
}
