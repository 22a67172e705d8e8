package stack

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

type statusOptions struct {
	stack  stackFlags
	output outputFlag
}

// statusDocument is stack status -o json|yaml.
type statusDocument struct {
	APIVersion   string              `json:"apiVersion"`
	Kind         string              `json:"kind"`
	Stack        string              `json:"stack"`
	Environments []statusEnvironment `json:"environments"`
}

type statusEnvironment struct {
	Name     string                      `json:"name"`
	Releases []action.StackReleaseStatus `json:"releases"`
}

func newStatusCmd(e *Env) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status -e ENV",
		Short: "show each release of a stack: revision, digest, readiness and drift",
		Long: `Show, for each release of the stack in environment ENV and each release its
inventory holds that the file no longer has: the last revision and its
status, the chart and digest the stack last applied (APPLIED says whether
the last revision is the stack's), whether its objects are ready, and how
many of them drifted (changed or deleted out of band). It changes nothing.`,
		Example: `  berth stack status -e prod
  berth stack status -e staging,prod -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.validate(e); err != nil {
				return err
			}
			return runStatus(cmd.Context(), e, o)
		},
	}
	o.stack.AddFlags(e, cmd.Flags(), false)
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func runStatus(ctx context.Context, e *Env, o *statusOptions) error {
	s, err := o.stack.load()
	if err != nil {
		return err
	}
	targets, err := o.stack.targets(e, s, false)
	if err != nil {
		return err
	}
	doc := statusDocument{
		APIVersion: stack.APIVersion, Kind: "StackStatus", Stack: s.Metadata.Name,
		Environments: make([]statusEnvironment, len(targets)),
	}
	err = forEachTarget(ctx, targets, func(ctx context.Context, i int, t *action.StackTarget) error {
		rels, err := action.StackStatus(ctx, t)
		doc.Environments[i] = statusEnvironment{Name: t.Environment, Releases: rels}
		if err != nil {
			return fmt.Errorf("environment %s: %w", label(t.Environment), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return o.output.print(e.Out, doc, func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "ENVIRONMENT\tRELEASE\tNAMESPACE\tREVISION\tSTATUS\tAPPLIED\tCHART\tDIGEST\tREADY\tDRIFTED")
		for _, env := range doc.Environments {
			for _, r := range env.Releases {
				status := r.Status
				if !r.InStack {
					status += " (not in the stack file: prune)"
				}
				digest := r.Digest
				if len(digest) > 19 {
					digest = digest[:19]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%v\t%s %s\t%s\t%s\t%d\n", label(env.Name), r.Name, r.Namespace, r.Revision,
					status, r.Applied, r.Chart, r.Version, digest, r.Ready, r.Drifted)
			}
		}
		return tw.Flush()
	})
}
