package stack

import (
	"github.com/spf13/cobra"
)

// NewStackCmd returns berth stack and its subcommands.
func NewStackCmd(e *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stack",
		Short: "plan and apply many releases from one stack file",
		Long: `Deploy the releases of a stack file (berth.yaml): a typed file, checked against
a published JSON schema (docs/schema/stack-v1alpha1.json), that names each
release's chart, values and needs, and the environments it is deployed to.

berth stack plan shows what would change, berth stack apply applies the
releases node by node in the order their needs allow, berth stack lock pins
every chart's version and digest in berth.lock. See docs/stacks.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPlanCmd(e), newApplyCmd(e), newLockCmd(e), newStatusCmd(e), newRenderCmd(e), newDestroyCmd(e), newGraphCmd(e))
	return cmd
}
