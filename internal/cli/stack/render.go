package stack

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/render"
)

type renderOptions struct {
	stack     stackFlags
	outputDir string
}

func newRenderCmd(e *Env) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render -e ENV",
		Short: "render every release of a stack locally",
		Long: `Render the manifests of every release of the stack in environment ENV, with
the stack's values, as berth template renders a chart: offline, with default
capabilities and no lookup. With --output-dir DIR each release's templates
are written under DIR/ENV/RELEASE/ (DIR/RELEASE/ for a stack without
environments), CRDs included; otherwise they are printed, each release's
documents after a "# Release: NAME" comment.`,
		Example: `  berth stack render -e prod --output-dir out/
  berth stack render -e staging -l tier=web`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRender(cmd.Context(), e, o) },
	}
	o.stack.AddFlags(e, cmd.Flags(), true)
	cmd.Flags().StringVar(&o.outputDir, "output-dir", "", "write each release's templates under this directory")
	return cmd
}

func runRender(ctx context.Context, e *Env, o *renderOptions) error {
	s, err := o.stack.load()
	if err != nil {
		return err
	}
	envs, err := o.stack.envNames(e, s)
	if err != nil {
		return err
	}
	vals, err := o.stack.commandValues(e, s)
	if err != nil {
		return err
	}
	sel, err := o.stack.selected(e)
	if err != nil {
		return err
	}
	locator := o.stack.locator()
	for _, env := range envs {
		t := &action.StackTarget{Stack: s, Environment: env, Locator: locator, Values: vals, Selected: sel}
		rendered, err := action.RenderStack(ctx, t)
		if err != nil {
			return fmt.Errorf("environment %s: %w", label(env), err)
		}
		for _, r := range rendered {
			wo := render.WriteOptions{IncludeCRDs: true}
			if o.outputDir != "" {
				if err := render.WriteDir(filepath.Join(o.outputDir, env), r.Name, r.Result, wo, e.ErrOut); err != nil {
					return err
				}
				continue
			}
			if _, err := fmt.Fprintf(e.Out, "# Release: %s (environment %s, namespace %s)\n", r.Name, label(env), r.Namespace); err != nil {
				return err
			}
			if err := render.Write(e.Out, r.Result, wo); err != nil {
				return err
			}
		}
	}
	return nil
}
