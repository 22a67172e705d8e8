package stack

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

// applyOptions are the flags of berth stack apply.
type applyOptions struct {
	stack       stackFlags
	output      outputFlag
	plan        string
	prune       bool
	keepGoing   bool
	concurrency int
}

func newApplyCmd(e *Env) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply -e ENV",
		Short: "apply the releases of a stack in the order their needs allow",
		Long: `Apply every release of the stack file in environment ENV, node by node: a
release starts the moment the releases it needs hold (deployed, ready or
tested, as each need says), whatever else is still running.

Every chart is resolved first (pinned by berth.lock when there is one). A
release whose rendered revision and live objects are what the stack last
applied is unchanged: nothing is sent and no revision recorded. Any other
is upgraded, or installed, with the stack's values only.

Each release ends succeeded, failed, skipped (blocked by what it needs, or
not started after a failure) or unchanged; the table (or -o json) says which,
and apply exits 3 when some release failed or was skipped. After a failure
nothing new starts while running releases finish; --keep-going goes on with
the releases that do not need the failed one. Running apply again after the
fix picks up where it stopped. A stack is not a transaction: each release
keeps its own rollback-on-failure.

The stack's inventory in the cluster (ConfigMap berth-stack.NAME.ENV) records
the releases the stack holds. Those the file no longer has are uninstalled
with --prune, in reverse order of their needs, once every release succeeded;
releases with keep: true are never pruned.

With --plan FILE apply applies exactly the plan berth stack plan --out wrote,
and refuses, naming what moved, when the cluster changed since.`,
		Example: `  berth stack apply -e staging
  berth stack apply -e staging,prod --prune
  berth stack plan -e prod --out plan.json && berth stack apply --plan plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.validate(e); err != nil {
				return err
			}
			return runApply(cmd.Context(), e, o)
		},
	}
	fs := cmd.Flags()
	o.stack.AddFlags(e, fs, true)
	o.output.AddFlags(fs)
	fs.StringVar(&o.plan, "plan", "", "apply this plan (berth stack plan --out) instead of planning afresh")
	fs.BoolVar(&o.prune, "prune", false, "uninstall the releases the stack no longer has (not those with keep: true)")
	fs.BoolVar(&o.keepGoing, "keep-going", false, "after a failure, go on with the releases that do not need the failed one")
	fs.IntVar(&o.concurrency, "concurrency", 8, "releases applied at once per environment")
	return cmd
}

func runApply(ctx context.Context, e *Env, o *applyOptions) error {
	if o.concurrency < 1 {
		return e.UsageError("invalid --concurrency %d: use 1 or more", o.concurrency)
	}
	s, err := o.stack.load()
	if err != nil {
		return err
	}
	var plan *stack.Plan
	if o.plan != "" {
		if plan, err = stack.ReadPlan(o.plan); err != nil {
			return err
		}
		if plan.Stack != s.Metadata.Name {
			return fmt.Errorf("plan %s is of stack %q, %s is stack %q", o.plan, plan.Stack, o.stack.file, s.Metadata.Name)
		}
		if len(o.stack.environments) == 0 {
			for _, pe := range plan.Environments {
				o.stack.environments = append(o.stack.environments, pe.Name)
			}
		}
	}
	targets, err := o.stack.targets(e, s, true)
	if err != nil {
		return err
	}
	p := newProgress(e, o.output.format, len(targets))
	results := make([]*action.StackApplyResult, len(targets))
	opts := action.ApplyStackOptions{Concurrency: o.concurrency, KeepGoing: o.keepGoing, Prune: o.prune}
	runErr := forEachTarget(ctx, targets, func(ctx context.Context, i int, t *action.StackTarget) error {
		t.Progress = p.event
		var err error
		if plan != nil {
			results[i], err = action.ApplyStackPlan(ctx, t, planFor(plan, t.Environment), opts)
		} else {
			results[i], err = action.ApplyStack(ctx, t, opts)
		}
		if err != nil && !errors.Is(err, action.ErrStackFailed) {
			return fmt.Errorf("environment %s: %w", label(t.Environment), err)
		}
		return nil
	})
	p.Close()
	var done []*action.StackApplyResult
	failed := false
	for _, r := range results {
		if r != nil {
			done = append(done, r)
			failed = failed || r.Failed()
		}
	}
	if len(done) > 0 {
		doc := applyDocument{APIVersion: stack.APIVersion, Kind: "StackApplyResult", Stack: s.Metadata.Name, Environments: done}
		if err := o.output.print(e.Out, doc, func(w io.Writer) error { return writeApplyTable(w, done) }); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	if failed {
		return e.Exit(ExitFailed)
	}
	return nil
}

// planFor returns the plan of environment env, nil if the plan has none.
func planFor(p *stack.Plan, env string) *stack.PlannedEnvironment {
	for i := range p.Environments {
		if p.Environments[i].Name == env {
			return &p.Environments[i]
		}
	}
	return nil
}
