package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

type registryLoginOptions struct {
	registry      registryFlags
	host          string
	username      string
	password      string
	passwordStdin bool
}

func newRegistryLoginCmd(f *Factory) *cobra.Command {
	o := &registryLoginOptions{}
	cmd := &cobra.Command{
		Use:   "login HOST",
		Short: "log in to an OCI registry",
		Long: `Check a user name and password against the registry at HOST and, when the
registry accepts them, store them in the registry config (docker's
config.json unless --registry-config names another file, or the credential
helper it configures). Nothing is stored when the registry refuses them.

The password is read from stdin with --password-stdin; berth never prompts.
A password without a user name is stored as an identity token.`,
		Example: `  echo "$TOKEN" | berth registry login ghcr.io -u acme --password-stdin
  berth registry login localhost:5000 -u dev --password-stdin --plain-http < pass.txt`,
		Args: exactArgs("host"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.host = args[0]
			if err := o.readPassword(f.In); err != nil {
				return err
			}
			return runRegistryLogin(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.username, "username", "u", "", "user name")
	fs.StringVarP(&o.password, "password", "p", "", "password (visible to other users: prefer --password-stdin)")
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from stdin")
	o.registry.AddFlags(fs)
	fs.BoolVar(&o.registry.InsecureSkipTLSVerify, "insecure", false, "Helm's name of --insecure-skip-tls-verify")
	return cmd
}

// readPassword fills o.password from stdin with --password-stdin, and
// checks that exactly one source of the password was given.
func (o *registryLoginOptions) readPassword(in io.Reader) error {
	switch {
	case o.passwordStdin && o.password != "":
		return usageErrorf("--password and --password-stdin are exclusive")
	case o.passwordStdin:
		b, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("login to %s: read password from stdin: %w", o.host, err)
		}
		o.password = strings.TrimRight(string(b), "\r\n")
	}
	if o.password == "" {
		return &UsageError{
			Err:  fmt.Errorf("login to %s: no password given", o.host),
			Hint: "Pipe it in with --password-stdin, for example: echo \"$TOKEN\" | berth registry login HOST -u USER --password-stdin",
		}
	}
	return nil
}

func runRegistryLogin(ctx context.Context, f *Factory, o *registryLoginOptions) error {
	if !o.passwordStdin {
		fmt.Fprintln(f.ErrOut, "Warning: a password on the command line is visible to other users; use --password-stdin")
	}
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("login to %s: %w", o.host, err)
	}
	if err := client.Login(ctx, o.host, o.username, o.password); err != nil {
		return err
	}
	fmt.Fprintf(f.ErrOut, "Login succeeded: credentials for %s stored in %s\n", o.host, client.CredentialStorePath())
	return nil
}
