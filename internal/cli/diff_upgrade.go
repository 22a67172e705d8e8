package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

// diffUpgradeOptions are the flags and arguments of berth diff upgrade.
type diffUpgradeOptions struct {
	upgrade upgradeOptions
	diff    diffFlags
	// out is the plan file to write.
	out string
}

func newDiffUpgradeCmd(f *Factory) *cobra.Command {
	o := &diffUpgradeOptions{}
	cmd := &cobra.Command{
		Use:   "upgrade NAME CHART",
		Short: "show what berth upgrade would change",
		Long: `Show what berth upgrade NAME CHART with the same flags would change, without
changing anything. See berth diff --help.

--out writes a plan: the revision to record, the objects to apply and prune,
and the resourceVersion of each live object the diff was computed against.
berth upgrade NAME --plan FILE applies exactly that, and refuses if the
release or any of those objects changed since. The plan holds the rendered
manifest, Secrets included: keep it as safe as the values it came from.`,
		Example: `  # Review an upgrade
  berth diff upgrade web ./charts/web --set image.tag=1.2.4

  # In CI: fail the job when the upgrade would change something
  berth diff upgrade web ./charts/web -f prod.yaml --detailed-exitcode

  # Review, then apply exactly what was reviewed
  berth diff upgrade web ./charts/web -f prod.yaml --out plan.json
  berth upgrade web --plan plan.json`,
		Args: exactArgs("name", "chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.diff.output.Validate(); err != nil {
				return err
			}
			o.upgrade.name, o.upgrade.chartPath = args[0], args[1]
			return runDiffUpgrade(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	u := &o.upgrade
	u.values.AddFlags(fs)
	u.apply.AddFlags(fs)
	u.ref.AddFlags(fs)
	o.diff.AddFlags(fs)
	fs.StringVar(&o.out, "out", "", "write a plan for berth upgrade --plan to this file")
	fs.BoolVarP(&u.install, "install", "i", false, "install the release if it does not exist")
	fs.BoolVar(&u.createNamespace, "create-namespace", false, "with --install, create the release namespace if it does not exist")
	fs.BoolVar(&u.reuseValues, "reuse-values", false, "merge the new values over the last revision's, ignoring the new chart's defaults")
	fs.BoolVar(&u.resetValues, "reset-values", false, "use the chart's default values and the new values only")
	fs.BoolVar(&u.resetThenReuseValues, "reset-then-reuse-values", false,
		"merge the new values over the last revision's, over the new chart's defaults")
	u.ref.AddDependencyUpdateFlag(fs)
	u.render.AddFlags(fs)
	u.prov.AddFlags(fs)
	return cmd
}

func runDiffUpgrade(ctx context.Context, f *Factory, o *diffUpgradeOptions) error {
	u := &o.upgrade
	if err := validateReleaseName(u.name); err != nil {
		return err
	}
	settings, err := u.apply.settings()
	if err != nil {
		return err
	}
	renderOpts, err := u.render.options()
	if err != nil {
		return err
	}
	lc, err := u.ref.locateRenderable(ctx, f, u.chartPath)
	if err != nil {
		return err
	}
	user, err := u.values.userValues(f.In)
	if err != nil {
		return err
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	res, err := action.DiffUpgrade(awaitServer(ctx, settings.Timeout), cfg, lc.Chart, user, action.UpgradeOptions{
		ApplySettings: settings,
		RenderOptions: renderOpts,
		Name:          u.name, Install: u.install, CreateNamespace: u.createNamespace, Values: u.valuesPolicy(),
		// A plan keeps where its revision came from.
		Provenance: provenanceOf(u.chartPath, lc, f.origin(ctx, &u.prov, true)),
	})
	if err != nil {
		return fmt.Errorf("diff upgrade of release %q: %w", u.name, err)
	}
	if o.out != "" {
		plan, err := action.NewPlan(ctx, cfg, res)
		if err != nil {
			return fmt.Errorf("diff upgrade of release %q: %w", u.name, err)
		}
		if err := action.WritePlan(o.out, plan); err != nil {
			return err
		}
	}
	return printDiff(f, &o.diff, res)
}

// runUpgradePlan is berth upgrade NAME --plan FILE.
func runUpgradePlan(ctx context.Context, f *Factory, o *upgradeOptions, planFile string) error {
	if err := validateReleaseName(o.name); err != nil {
		return err
	}
	settings, err := o.apply.settings()
	if err != nil {
		return err
	}
	if settings.DryRun != action.DryRunNone {
		return usageErrorf("--plan applies a reviewed plan and has no --dry-run: use berth diff upgrade to review")
	}
	plan, err := action.ReadPlan(planFile)
	if err != nil {
		return err
	}
	if plan.Release != o.name {
		return fmt.Errorf("upgrade release %q: plan %s is for release %q", o.name, planFile, plan.Release)
	}
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	settings.NoHooks = o.hooks.noHooks
	origin := f.origin(ctx, &o.prov, true)
	rel, cs, err := action.ApplyPlan(ctx, cfg, plan, action.ApplyPlanOptions{
		ApplySettings: settings, RollbackOnFailure: o.hooks.rollbackOnFailure, Origin: &origin,
	})
	if err != nil {
		return fmt.Errorf("upgrade release %q with plan %s: %w", o.name, planFile, err)
	}
	r := reportOf(rel, cs)
	return o.output.Print(f.Out, r, func(w io.Writer) error { return writeReport(w, r) })
}
