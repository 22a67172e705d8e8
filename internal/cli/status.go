package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
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
when it was deployed, its description, the live state of each object of its
manifest (ok, missing, not-owned, deleting, unknown-kind) and its notes.

It shows the revision's provenance too: the chart as given and the digest of
the bytes deployed, the digest of the values, the source revision and CI
run, who deployed it, where a promotion came from, and the runs of its
tests (berth test). -o json prints them whole (docs/output.md).`,
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
	r := statusReport{releaseReport: reportOf(rel, nil), Tests: rel.Tests}
	if rel.Status != release.StatusUninstalled {
		if r.Objects, err = liveObjects(ctx, f, rel); err != nil {
			return err
		}
	}
	return o.output.Print(f.Out, r, func(w io.Writer) error { return writeStatus(w, r) })
}

// statusReport is the output of status: the release report and the live
// state of each object of its manifest. See docs/output.md.
type statusReport struct {
	releaseReport
	// Tests are the revision's recorded test runs, oldest first.
	Tests   []release.TestRecord `json:"tests,omitempty"`
	Objects []objectState        `json:"objects,omitempty"`
}

// objectState is the live state of one object.
type objectState struct {
	Object string `json:"object"`
	State  string `json:"state"`
}

func liveObjects(ctx context.Context, f *Factory, rel *release.Release) ([]objectState, error) {
	cfg, err := f.ActionConfig()
	if err != nil {
		return nil, err
	}
	dyn, err := f.DynamicClient()
	if err != nil {
		return nil, fmt.Errorf("connect to cluster: %w", err)
	}
	states, err := action.LiveState(ctx, cfg, dyn, rel)
	if err != nil {
		return nil, fmt.Errorf("read objects of release %q: %w", rel.Name, err)
	}
	out := make([]objectState, 0, len(states))
	for _, s := range states {
		out = append(out, objectState{Object: s.Ref.String(), State: s.State})
	}
	return out, nil
}

func writeStatus(w io.Writer, r statusReport) error {
	notes := r.Notes
	r.Notes = ""
	if err := writeReport(w, r.releaseReport); err != nil {
		return err
	}
	if err := writeProvenance(w, r.Provenance, r.Tests); err != nil {
		return err
	}
	if len(r.Objects) > 0 {
		if _, err := fmt.Fprintln(w, "RESOURCES:"); err != nil {
			return err
		}
		for _, o := range r.Objects {
			if _, err := fmt.Fprintf(w, "  %s %s\n", o.Object, o.State); err != nil {
				return err
			}
		}
	}
	if notes != "" {
		_, err := fmt.Fprintf(w, "NOTES:\n%s\n", strings.TrimRight(notes, "\n"))
		return err
	}
	return nil
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
