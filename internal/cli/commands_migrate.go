package cli

import (
	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/internal/cli/migrate"
)

// addMigrateCommands adds berth import and berth export (the migrate
// family, internal/cli/migrate) in the release group, with the storage
// flag of the release commands.
func addMigrateCommands(root *cobra.Command, f *Factory) {
	env := &migrate.Env{
		Out: f.Out, ErrOut: f.ErrOut,
		Namespace:  f.Namespace,
		Kube:       f.KubeClient,
		RESTConfig: f.RESTConfig,
		Storage:    f.storage.name,
		Logger:     f.Logger,
		UsageError: usageErrorf,
	}
	for _, cmd := range []*cobra.Command{migrate.NewImportCmd(env), migrate.NewExportCmd(env)} {
		cmd.GroupID = groupRelease
		f.storage.AddFlags(cmd.PersistentFlags())
		root.AddCommand(cmd)
	}
}
