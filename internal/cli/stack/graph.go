package stack

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/stack"
)

func newGraphCmd(e *Env) *cobra.Command {
	var file, format, env string
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "print the needs of a stack as a dot or Mermaid graph",
		Long: `Print the releases of the stack file and what each needs, as a Graphviz dot
graph (--format dot, the default) or a Mermaid flowchart (--format mermaid),
each edge from a release to what it needs, labelled deployed, ready or
tested. With -e, only the releases of that environment. It reads no cluster.`,
		Example: `  berth stack graph | dot -Tsvg > stack.svg
  berth stack graph --format mermaid`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			s, err := stack.Load(file, stack.LoadOptions{})
			if err != nil {
				return err
			}
			rels := s.Releases
			if env != "" {
				if _, err := s.Environment(env); err != nil {
					return e.UsageError("%w", err)
				}
				rels = s.Enabled(env)
			}
			g, err := stack.NewGraph(rels)
			if err != nil {
				return err
			}
			switch format {
			case "dot":
				_, err = io.WriteString(e.Out, g.Dot(s.Metadata.Name))
			case "mermaid":
				_, err = io.WriteString(e.Out, g.Mermaid())
			default:
				return e.UsageError("invalid --format %q: use dot or mermaid", format)
			}
			if err != nil {
				return fmt.Errorf("write graph: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", stack.DefaultFile, "the stack file")
	cmd.Flags().StringVar(&format, "format", "dot", "dot or mermaid")
	cmd.Flags().StringVarP(&env, "environment", "e", "", "only the releases of this environment")
	return cmd
}
