package stack

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

type destroyOptions struct {
	stack  stackFlags
	output outputFlag
	force  bool
}

func newDestroyCmd(e *Env) *cobra.Command {
	o := &destroyOptions{}
	cmd := &cobra.Command{
		Use:   "destroy -e ENV",
		Short: "uninstall every release of a stack, in reverse order of needs",
		Long: `Uninstall the releases of the stack in environment ENV, those of its inventory
and those of the file, every release before the releases it needs, waiting
for each one's objects to be gone. Releases with keep: true stay unless
--force. The inventory is deleted once it holds nothing. It asks nothing.`,
		Example: `  berth stack destroy -e staging
  berth stack destroy -e staging --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.validate(e); err != nil {
				return err
			}
			return runDestroy(cmd.Context(), e, o)
		},
	}
	o.stack.AddFlags(e, cmd.Flags(), false)
	o.output.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.force, "force", false, "uninstall releases with keep: true too")
	return cmd
}

func runDestroy(ctx context.Context, e *Env, o *destroyOptions) error {
	s, err := o.stack.load()
	if err != nil {
		return err
	}
	targets, err := o.stack.targets(e, s, false)
	if err != nil {
		return err
	}
	p := newProgress(e, o.output.format, len(targets))
	results := make([]*action.StackApplyResult, len(targets))
	runErr := forEachTarget(ctx, targets, func(ctx context.Context, i int, t *action.StackTarget) error {
		t.Progress = p.event
		var err error
		if results[i], err = action.DestroyStack(ctx, t, action.DestroyStackOptions{Force: o.force}); err != nil {
			return fmt.Errorf("environment %s: %w", label(t.Environment), err)
		}
		return nil
	})
	p.Close()
	var done []*action.StackApplyResult
	for _, r := range results {
		if r != nil {
			done = append(done, r)
		}
	}
	doc := applyDocument{APIVersion: stack.APIVersion, Kind: "StackDestroyResult", Stack: s.Metadata.Name, Environments: done}
	if err := o.output.print(e.Out, doc, func(w io.Writer) error { return writeApplyTable(w, done) }); err != nil {
		return err
	}
	return runErr
}
