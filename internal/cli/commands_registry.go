package cli

import "github.com/spf13/cobra"

// addRegistryCommands adds the commands that talk to OCI registries (push,
// pull, sign, copy, registry login/logout) and to classic chart repositories (repo,
// search), in the registry group.
func addRegistryCommands(root *cobra.Command, f *Factory) {
	for _, cmd := range []*cobra.Command{
		newPushCmd(f),
		newPullCmd(f),
		newSignCmd(f),
		newCopyCmd(f),
		newRegistryCmd(f),
		newRepoCmd(f),
		newSearchCmd(f),
	} {
		cmd.GroupID = groupRegistry
		root.AddCommand(cmd)
	}
}
