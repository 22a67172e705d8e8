package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/action"
)

// diffFlags are the flags every diff subcommand has.
type diffFlags struct {
	output           outputFlags
	detailedExitcode bool
}

// AddFlags adds -o and --detailed-exitcode to fs.
func (d *diffFlags) AddFlags(fs *pflag.FlagSet) {
	d.output.AddFlags(fs)
	fs.BoolVar(&d.detailedExitcode, "detailed-exitcode", false,
		"exit 0 when nothing would change, 2 when something would, 1 on error")
}

func newDiffCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff COMMAND",
		Short: "show what install, upgrade or rollback would change",
		Long: `Show what berth install, upgrade or rollback would change, without changing
anything: each object is sent to the API server with a server-side apply dry
run, as the command would apply it, and the result is compared with the live
object. Fields the API server maintains (managedFields, resourceVersion,
generation, uid, creationTimestamp, status and kubectl's last-applied
annotation) are left out. Objects the command would prune show as deletions.

Objects whose namespace does not exist yet, or whose kind comes from a CRD of
the same release, cannot be dry-run: they show as creations of the rendered
object.

Secret values are never shown: each key of data and stringData reads
"(sensitive, N bytes)", with ", changed" when its value would change.

The output is a unified diff per object (coloured on a terminal) and a summary
line; -o json prints the berth.sh/diff/v1 document of docs/diff-schema.md.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			return &UsageError{
				Err:  fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath()),
				Hint: "Use berth diff install, berth diff upgrade or berth diff rollback, with the arguments of the command to preview.",
			}
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDiffInstallCmd(f), newDiffUpgradeCmd(f), newDiffRollbackCmd(f))
	return cmd
}

// diffInstallOptions are the flags and arguments of berth diff install.
type diffInstallOptions struct {
	install installOptions
	diff    diffFlags
}

func newDiffInstallCmd(f *Factory) *cobra.Command {
	o := &diffInstallOptions{}
	cmd := &cobra.Command{
		Use:   "install NAME CHART",
		Short: "show what berth install would create",
		Long: `Show what berth install NAME CHART with the same flags would create, without
changing anything. See berth diff --help.`,
		Example: `  berth diff install web ./charts/web -n prod --create-namespace -f prod.yaml`,
		Args:    exactArgs("name", "chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.diff.output.Validate(); err != nil {
				return err
			}
			o.install.name, o.install.chartPath = args[0], args[1]
			return runDiffInstall(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	i := &o.install
	i.values.AddFlags(fs)
	i.apply.AddFlags(fs)
	i.ref.AddFlags(fs)
	i.ref.AddDependencyUpdateFlag(fs)
	i.render.AddFlags(fs)
	o.diff.AddFlags(fs)
	fs.BoolVar(&i.createNamespace, "create-namespace", false, "create the release namespace if it does not exist")
	fs.BoolVar(&i.skipCRDs, "skip-crds", false, "do not apply the chart's crds/ files")
	return cmd
}

func runDiffInstall(ctx context.Context, f *Factory, o *diffInstallOptions) error {
	i := &o.install
	if err := validateReleaseName(i.name); err != nil {
		return err
	}
	settings, err := i.apply.settings()
	if err != nil {
		return err
	}
	renderOpts, err := i.render.options()
	if err != nil {
		return err
	}
	c, err := i.ref.loadRenderable(ctx, f, i.chartPath)
	if err != nil {
		return err
	}
	user, err := i.values.userValues(f.In)
	if err != nil {
		return err
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	res, err := action.DiffInstall(awaitServer(ctx, settings.Timeout), cfg, c, user, action.InstallOptions{
		ApplySettings: settings,
		RenderOptions: renderOpts,
		Name:          i.name, CreateNamespace: i.createNamespace, SkipCRDs: i.skipCRDs,
	})
	if err != nil {
		return fmt.Errorf("diff install of release %q: %w", i.name, err)
	}
	return printDiff(f, &o.diff, res)
}

// diffRollbackOptions are the flags and arguments of berth diff rollback.
type diffRollbackOptions struct {
	rollback rollbackOptions
	diff     diffFlags
}

func newDiffRollbackCmd(f *Factory) *cobra.Command {
	o := &diffRollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback NAME [REVISION]",
		Short: "show what berth rollback would change",
		Long: `Show what berth rollback NAME [REVISION] would change, without changing
anything. See berth diff --help.`,
		Example: `  berth diff rollback web 3`,
		Args:    rangeArgs(1, 2, "name", "revision"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.diff.output.Validate(); err != nil {
				return err
			}
			o.rollback.name = args[0]
			if len(args) == 2 {
				rev, err := strconv.Atoi(args[1])
				if err != nil || rev < 1 {
					return usageErrorf("invalid REVISION %q: use a revision number from 'berth history %s'", args[1], args[0])
				}
				o.rollback.revision = rev
			}
			return runDiffRollback(cmd.Context(), f, o)
		},
	}
	o.rollback.apply.AddFlags(cmd.Flags())
	o.diff.AddFlags(cmd.Flags())
	return cmd
}

func runDiffRollback(ctx context.Context, f *Factory, o *diffRollbackOptions) error {
	settings, err := o.rollback.apply.settings()
	if err != nil {
		return err
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	res, err := action.DiffRollback(awaitServer(ctx, settings.Timeout), cfg, o.rollback.name, action.RollbackOptions{
		ApplySettings: settings, Revision: o.rollback.revision,
	})
	if err != nil {
		return fmt.Errorf("diff rollback of release %q: %w", o.rollback.name, err)
	}
	return printDiff(f, &o.diff, res)
}
