package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Command groups shown in berth --help.
const (
	groupChart    = "chart"
	groupRegistry = "registry"
)

// NewRootCmd returns the berth command with all its subcommands, bound to f.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "berth",
		Short: "deploy Helm charts to Kubernetes with server-side apply",
		Long: `berth renders Helm charts (the chart format, unchanged) into manifests,
applies them with server-side apply under its own field manager, and records
every revision as a release; it pushes and pulls charts as OCI artifacts.

Connection flags (--kubeconfig, --context, -n/--namespace, ...) work as they
do for kubectl, and KUBECONFIG is honoured.

` + helmFlagsHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd); err != nil {
				return err
			}
			// The logger is built after flags are parsed so --debug takes effect.
			f.logger = nil
			return f.helm.validate()
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(flagErrorFunc)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)

	pf := root.PersistentFlags()
	addGlobalFlags(pf, f)
	pf.BoolVar(&f.Debug, "debug", false, "log what berth does, to stderr")
	f.Repos.AddFlags(pf)

	root.AddGroup(
		&cobra.Group{ID: groupChart, Title: "Chart commands:"},
		&cobra.Group{ID: groupRegistry, Title: "Registry commands:"},
		&cobra.Group{ID: groupRelease, Title: "Release commands:"},
	)
	addChartCommands(root, f)
	addRenderCommands(root, f)
	addRegistryCommands(root, f)
	addReleaseCommands(root, f)
	addMigrateCommands(root, f)
	addStackCommands(root, f)
	addPromoteCommands(root, f)
	root.AddCommand(
		newVersionCmd(f),
		newCompletionCmd(f),
	)
	return root
}

// unknownCommand is the root command's argument check: any argument names a
// subcommand that does not exist.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	err := &UsageError{Err: fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		err.Hint = fmt.Sprintf("Did you mean %s? Run '%s --help' for the list of commands.",
			strings.Join(s, " or "), cmd.CommandPath())
	} else {
		err.Hint = fmt.Sprintf("Run '%s --help' for the list of commands.", cmd.CommandPath())
	}
	return err
}
