package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

// rollbackOptions are the flags and arguments of berth rollback.
type rollbackOptions struct {
	apply  applyFlags
	hooks  hookFlags
	output outputFlags

	name     string
	revision int
}

func newRollbackCmd(f *Factory) *cobra.Command {
	o := &rollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback NAME [REVISION]",
		Short: "roll a release back to an earlier revision",
		Long: `Roll release NAME back to REVISION (default: the revision before the last).

The manifest of that revision is applied again as a new revision, with its
values and notes; objects of the deployed revision that it does not have are
deleted after a successful apply, as upgrade does.`,
		Example: `  # Back to the previous revision
  berth rollback web

  # Back to revision 3
  berth rollback web 3`,
		Args: rangeArgs(1, 2, "name", "revision"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			o.name = args[0]
			if len(args) == 2 {
				rev, err := strconv.Atoi(args[1])
				if err != nil || rev < 1 {
					return usageErrorf("invalid REVISION %q: use a revision number from 'berth history %s'", args[1], o.name)
				}
				o.revision = rev
			}
			return runRollback(cmd.Context(), f, o)
		},
	}
	o.apply.AddFlags(cmd.Flags())
	o.hooks.AddFlags(cmd.Flags(), false)
	o.output.AddFlags(cmd.Flags())
	addHistoryMaxAlias(cmd.Flags(), &o.apply)
	addCompatFlags(cmd.Flags(),
		compatFlag{name: "server-side", def: "true", help: "accepted for Helm's sake: berth always applies server-side"},
		compatFlag{
			name: "cleanup-on-fail",
			help: "accepted for Helm's sake: a failed berth rollback deletes nothing; the revision it replaced stays deployed on the cluster",
		})
	return cmd
}

func runRollback(ctx context.Context, f *Factory, o *rollbackOptions) error {
	settings, err := o.apply.settings()
	if err != nil {
		return err
	}
	settings.NoHooks = o.hooks.noHooks
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	progress := startProgress(cfg, f.ErrOut, o.output.Format)
	rel, cs, err := action.Rollback(awaitServer(ctx, settings.Timeout), cfg, o.name, action.RollbackOptions{
		ApplySettings: settings, Revision: o.revision,
		Origin: originOf(f.origin(ctx, nil, settings.DryRun != action.DryRunClient)),
	})
	progress.Close()
	if err != nil {
		return fmt.Errorf("roll back release %q: %w", o.name, err)
	}
	r := dryRunReportOf(rel, cs, settings.DryRun)
	return o.output.Print(f.Out, r, func(w io.Writer) error { return writeReport(w, r) })
}
