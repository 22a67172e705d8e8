package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/release"
)

// statusOptions are the flags and arguments of berth status.
type statusOptions struct {
	output   outputFlags
	name     string
	revision int
}

func newStatusCmd(f *Factory) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "show the status of a release",
		Long: `Show the last revision of release NAME (or --revision): its status,
when it was deployed, its description and notes.`,
		Example: `  berth status web
  berth status web --revision 2 -o yaml`,
		Args: exactArgs("name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			o.name = args[0]
			return runStatus(cmd.Context(), f, o)
		},
	}
	o.output.AddFlags(cmd.Flags())
	cmd.Flags().IntVar(&o.revision, "revision", 0, "show this revision instead of the last")
	return cmd
}

func runStatus(ctx context.Context, f *Factory, o *statusOptions) error {
	rel, err := readRelease(ctx, f, o.name, o.revision)
	if err != nil {
		return err
	}
	r := reportOf(rel, nil)
	return o.output.Print(f.Out, r, func(w io.Writer) error { return writeReport(w, r) })
}

// readRelease reads revision of release name in the selected namespace,
// the last one when revision is 0.
func readRelease(ctx context.Context, f *Factory, name string, revision int) (*release.Release, error) {
	ns, err := f.Namespace()
	if err != nil {
		return nil, err
	}
	store, err := f.ReleaseStore(ns)
	if err != nil {
		return nil, err
	}
	var rel *release.Release
	if revision > 0 {
		rel, err = store.Get(ctx, name, revision)
	} else {
		rel, err = release.Last(ctx, store, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read release %q: %w", name, err)
	}
	return rel, nil
}
