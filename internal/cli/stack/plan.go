package stack

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/stack"
)

// planOptions are the flags of berth stack plan.
type planOptions struct {
	stack            stackFlags
	output           outputFlag
	out              string
	detailedExitcode bool
	explain          string
	concurrency      int
}

func newPlanCmd(e *Env) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan -e ENV",
		Short: "show what applying a stack would change",
		Long: `Resolve every chart of the stack file to an exact version and digest (pinned by
berth.lock when there is one), render every release and compare it with the
cluster by server-side dry runs, all releases in parallel. Nothing is changed.

For each release plan prints what berth diff prints: the objects to create,
change, delete or replace, with their diffs; releases to install; releases
unchanged; and the releases the stack's inventory holds that the file no
longer has: to prune (with apply --prune), or kept (keep: true).

--out FILE writes the plan for berth stack apply --plan FILE, which applies
exactly it or refuses when the cluster moved since. The file holds rendered
manifests, Secrets included: treat it as a secret.

--explain RELEASE.KEY prints, for each environment, every layer that sets
the value (chart defaults < defaults.values < environment < release <
release in environment < set < --set) and which wins, without the cluster.

Exit status: 0 nothing to do, 2 changes (with --detailed-exitcode), 1 error.`,
		Example: `  berth stack plan -e staging
  berth stack plan -e prod --out plan.json --detailed-exitcode
  berth stack plan -e prod --explain api.replicaCount`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.validate(e); err != nil {
				return err
			}
			if o.explain != "" {
				return runExplain(cmd.Context(), e, o)
			}
			return runPlan(cmd.Context(), e, o)
		},
	}
	fs := cmd.Flags()
	o.stack.AddFlags(e, fs, true)
	o.output.AddFlags(fs)
	fs.StringVar(&o.out, "out", "", "write the plan to this file, for berth stack apply --plan")
	fs.BoolVar(&o.detailedExitcode, "detailed-exitcode", false, "exit 2 when the plan changes something, 0 when not")
	fs.StringVar(&o.explain, "explain", "", "print which layer sets the value RELEASE.KEY (e.g. api.replicaCount), offline")
	fs.IntVar(&o.concurrency, "concurrency", 8, "releases planned at once per environment")
	return cmd
}

// planDocument is stack plan -o json|yaml (docs/stacks.md).
type planDocument struct {
	APIVersion   string            `json:"apiVersion"`
	Kind         string            `json:"kind"`
	Stack        string            `json:"stack"`
	Environments []planEnvironment `json:"environments"`
}

type planEnvironment struct {
	Name     string        `json:"name"`
	Releases []planRelease `json:"releases"`
}

type planRelease struct {
	Name      string             `json:"name"`
	Namespace string             `json:"namespace"`
	Action    string             `json:"action"`
	Chart     string             `json:"chart,omitempty"`
	Version   string             `json:"version,omitempty"`
	Digest    string             `json:"digest,omitempty"`
	Summary   action.DiffSummary `json:"summary"`
	Objects   []planObject       `json:"objects"`
}

type planObject struct {
	Object  string             `json:"object"`
	Action  kube.DiffAction    `json:"action"`
	Reason  string             `json:"reason,omitempty"`
	Changes []kube.FieldChange `json:"changes,omitempty"`
}

func runPlan(ctx context.Context, e *Env, o *planOptions) error {
	s, err := o.stack.load()
	if err != nil {
		return err
	}
	targets, err := o.stack.targets(e, s, true)
	if err != nil {
		return err
	}
	results := make([]*action.StackPlanResult, len(targets))
	err = forEachTarget(ctx, targets, func(ctx context.Context, i int, t *action.StackTarget) error {
		var err error
		if results[i], err = action.PlanStack(ctx, t, o.concurrency); err != nil {
			return fmt.Errorf("environment %s: %w", label(t.Environment), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if o.out != "" {
		plan := &stack.Plan{APIVersion: stack.APIVersion, Kind: stack.KindPlan, Stack: s.Metadata.Name}
		for i, r := range results {
			pe, err := r.Planned(targets[i].KubeContext)
			if err != nil {
				return err
			}
			plan.Environments = append(plan.Environments, pe)
		}
		if err := stack.WritePlan(o.out, plan); err != nil {
			return err
		}
	}
	doc := planDocumentOf(s, results)
	if err := o.output.print(e.Out, doc, func(w io.Writer) error { return writePlanText(e, w, results) }); err != nil {
		return err
	}
	changed := false
	for _, r := range results {
		changed = changed || r.Changed()
	}
	if o.detailedExitcode && changed {
		return e.Exit(ExitChanges)
	}
	return nil
}

func planDocumentOf(s *stack.Stack, results []*action.StackPlanResult) planDocument {
	doc := planDocument{APIVersion: stack.APIVersion, Kind: "StackPlanSummary", Stack: s.Metadata.Name}
	for _, r := range results {
		env := planEnvironment{Name: r.Environment, Releases: []planRelease{}}
		for _, rel := range r.Releases {
			pr := planRelease{
				Name: rel.Name, Namespace: rel.Namespace, Action: rel.Action, Chart: rel.Chart,
				Version: rel.Version, Digest: rel.Digest, Objects: []planObject{},
			}
			if rel.Diff != nil {
				pr.Summary = rel.Diff.Summary()
				for _, d := range rel.Diff.Objects {
					pr.Objects = append(pr.Objects, planObject{Object: d.Ref.String(), Action: d.Action, Reason: d.Reason, Changes: d.Changes})
				}
			}
			env.Releases = append(env.Releases, pr)
		}
		doc.Environments = append(doc.Environments, env)
	}
	return doc
}

// writePlanText prints, per environment, each release's action and the
// diff of those that change, then a summary line.
func writePlanText(e *Env, w io.Writer, results []*action.StackPlanResult) error {
	for _, r := range results {
		counts := map[string]int{}
		if _, err := fmt.Fprintf(w, "Environment %s:\n", label(r.Environment)); err != nil {
			return err
		}
		for _, rel := range r.Releases {
			counts[rel.Action]++
			head := fmt.Sprintf("## release %s (namespace %s): %s", rel.Name, rel.Namespace, rel.Action)
			if rel.Version != "" {
				head += fmt.Sprintf(" [%s %s]", rel.Chart, rel.Version)
			}
			if _, err := fmt.Fprintln(w, head); err != nil {
				return err
			}
			if rel.Diff == nil || rel.Action == stack.ActionUnchanged {
				continue
			}
			if rel.Action == stack.ActionPrune {
				for _, d := range rel.Diff.Objects {
					if _, err := fmt.Fprintf(w, "  %s: delete\n", d.Ref); err != nil {
						return err
					}
				}
				continue
			}
			if err := e.WriteDiff(w, rel.Diff); err != nil {
				return err
			}
		}
		var parts []string
		for _, a := range []string{stack.ActionInstall, stack.ActionUpgrade, stack.ActionPrune, stack.ActionKeep, stack.ActionUnchanged} {
			if counts[a] > 0 {
				parts = append(parts, fmt.Sprintf("%d to %s", counts[a], a))
			}
		}
		line := strings.Join(parts, ", ")
		line = strings.NewReplacer("to unchanged", "unchanged", "to keep", "kept (keep: true)").Replace(line)
		if _, err := fmt.Fprintf(w, "Plan %s: %s\n\n", label(r.Environment), line); err != nil {
			return err
		}
	}
	return nil
}
