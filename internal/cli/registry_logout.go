package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

type registryLogoutOptions struct {
	registry registryFlags
	host     string
}

func newRegistryLogoutCmd(f *Factory) *cobra.Command {
	o := &registryLogoutOptions{}
	cmd := &cobra.Command{
		Use:   "logout HOST",
		Short: "remove the stored credentials of an OCI registry",
		Long: `Remove the credentials of HOST from the registry config (docker's config.json
unless --registry-config names another file, or the credential helper it
configures). It fails when there are none.`,
		Example: `  berth registry logout ghcr.io`,
		Args:    exactArgs("host"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.host = args[0]
			return runRegistryLogout(cmd.Context(), f, o)
		},
	}
	o.registry.AddFlags(cmd.Flags())
	return cmd
}

func runRegistryLogout(ctx context.Context, f *Factory, o *registryLogoutOptions) error {
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("logout from %s: %w", o.host, err)
	}
	if err := client.Logout(ctx, o.host); err != nil {
		return err
	}
	fmt.Fprintf(f.ErrOut, "Removed the credentials for %s from %s\n", o.host, client.CredentialStorePath())
	return nil
}
