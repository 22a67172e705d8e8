package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// historyOptions are the flags and arguments of berth history.
type historyOptions struct {
	output  outputFlags
	name    string
	maxRows int
	table   tableFormat
}

func newHistoryCmd(f *Factory) *cobra.Command {
	o := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history NAME",
		Short: "show the revisions of a release",
		Long: `Show every recorded revision of release NAME, oldest first: when it was
deployed, its status, chart, app version and description. It reads the
records' metadata only.`,
		Example: `  berth history web
  berth history web -o json`,
		Args: exactArgs("name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			o.name = args[0]
			return runHistory(cmd.Context(), f, o)
		},
	}
	o.output.AddFlags(cmd.Flags())
	cmd.Flags().IntVar(&o.maxRows, "max", 256, "show at most this many revisions, the latest (0: no limit)")
	cmd.Flags().BoolVar(&o.table.rollbackColumn, "show-rollback-revision", false,
		"add a ROLLBACK column: the revision each rollback went back to")
	return cmd
}

func runHistory(ctx context.Context, f *Factory, o *historyOptions) error {
	ns, err := f.Namespace()
	if err != nil {
		return err
	}
	store, err := f.ReleaseStore(ns)
	if err != nil {
		return err
	}
	history, err := store.History(ctx, o.name)
	if err != nil {
		return fmt.Errorf("history of release %q: %w", o.name, err)
	}
	if o.maxRows > 0 && len(history) > o.maxRows {
		history = history[len(history)-o.maxRows:]
	}
	rows := make([]releaseSummary, 0, len(history))
	for _, s := range history {
		rows = append(rows, summaryOf(s))
	}
	return o.output.Print(f.Out, rows, func(w io.Writer) error { return writeSummaries(w, rows, true, o.table) })
}
