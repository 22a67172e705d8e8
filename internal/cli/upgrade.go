package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

// upgradeOptions are the flags and arguments of berth upgrade.
type upgradeOptions struct {
	values valuesFlags
	apply  applyFlags
	hooks  hookFlags
	output outputFlags
	ref    chartRefFlags
	render renderFlags
	labels labelFlags
	prov   provenanceFlags

	name                 string
	chartPath            string
	install              bool
	createNamespace      bool
	reuseValues          bool
	resetValues          bool
	resetThenReuseValues bool
	skipCRDs             bool
	hideNotes            bool
	// plan is the plan file of --plan, applied instead of a chart.
	plan string
}

func newUpgradeCmd(f *Factory) *cobra.Command {
	o := &upgradeOptions{}
	cmd := &cobra.Command{
		Use:   "upgrade NAME CHART",
		Short: "upgrade a release to a new chart or new values",
		Long: `Upgrade release NAME with a chart and values.

` + chartArgHelp + `

berth records the next revision as pending, applies it with server-side apply
and, once the apply succeeded, deletes the objects of the previously deployed
revision that the chart no longer renders (objects annotated
helm.sh/resource-policy: keep stay) and marks that revision superseded. A
failed apply records the revision failed and deletes nothing. Pre- and
post-upgrade hooks run around the apply (--no-hooks skips them); unless
--wait=false, berth waits for every object to be ready before the revision
counts as deployed. With --rollback-on-failure (--atomic) a failed upgrade
rolls back to the last deployed revision.

Values follow Helm's rules: without values flags the release's previous
values are reused; --reset-values uses the chart's defaults and the new flags
only; --reuse-values merges the new flags over the previous values;
--reset-then-reuse-values does the same over the new chart's defaults.

With --plan FILE (and no CHART), berth applies the plan written by berth diff
upgrade --out: exactly the reviewed revision, or nothing if the release or
any of its objects changed since the plan was made.`,
		Example: `  # Upgrade with a new image tag, installing if the release does not exist
  berth upgrade web ./charts/web --install --set image.tag=1.2.4

  # Keep every value of the last revision and change one
  berth upgrade web ./charts/web --reuse-values --set replicas=3

  # Apply a reviewed plan
  berth upgrade web --plan plan.json`,
		Args: rangeArgs(1, 2, "name", "chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			o.name = args[0]
			switch {
			case o.plan != "" && len(args) == 2:
				return usageErrorf("--plan takes NAME only: the plan holds the rendered chart, got CHART %q too", args[1])
			case o.plan != "":
				return runUpgradePlan(cmd.Context(), f, o, o.plan)
			case len(args) == 1:
				return usageErrorf("%q needs NAME CHART; missing CHART (or --plan FILE)", cmd.CommandPath())
			}
			o.chartPath = args[1]
			return runUpgrade(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	o.values.AddFlags(fs)
	o.apply.AddFlags(fs)
	o.hooks.AddFlags(fs, true)
	o.output.AddFlags(fs)
	o.ref.AddFlags(fs)
	fs.BoolVarP(&o.install, "install", "i", false, "install the release if it does not exist")
	fs.BoolVar(&o.createNamespace, "create-namespace", false, "with --install, create the release namespace if it does not exist")
	fs.BoolVar(&o.reuseValues, "reuse-values", false, "merge the new values over the last revision's, ignoring the new chart's defaults")
	fs.BoolVar(&o.resetValues, "reset-values", false, "use the chart's default values and the new values only")
	fs.BoolVar(&o.resetThenReuseValues, "reset-then-reuse-values", false,
		"merge the new values over the last revision's, over the new chart's defaults")
	fs.StringVar(&o.plan, "plan", "", "apply a plan written by berth diff upgrade --out, instead of a chart")
	o.ref.AddDependencyUpdateFlag(fs)
	o.render.AddFlags(fs)
	o.labels.AddFlags(fs, true)
	o.prov.AddFlags(fs)
	fs.BoolVar(&o.skipCRDs, "skip-crds", false, "with --install, do not apply the chart's crds/ files (an upgrade never applies them, as in Helm)")
	fs.BoolVar(&o.hideNotes, "hide-notes", false, "do not print the chart's NOTES.txt")
	addHistoryMaxAlias(fs, &o.apply)
	addCompatFlags(fs, installIgnores...)
	addCompatFlags(fs, compatFlag{
		name: "cleanup-on-fail",
		help: "accepted for Helm's sake: a failed berth upgrade deletes nothing; --rollback-on-failure puts the last good revision back",
	})
	return cmd
}

// valuesPolicy checks the values flags and returns their policy; as in
// Helm, --reset-values wins over the others.
func (o *upgradeOptions) valuesPolicy() action.ValuesPolicy {
	switch {
	case o.resetValues:
		return action.ValuesReset
	case o.reuseValues:
		return action.ValuesReuse
	case o.resetThenReuseValues:
		return action.ValuesResetThenReuse
	}
	return action.ValuesDefault
}

func runUpgrade(ctx context.Context, f *Factory, o *upgradeOptions) error {
	if err := validateReleaseName(o.name); err != nil {
		return err
	}
	settings, err := o.apply.settings()
	if err != nil {
		return err
	}
	settings.NoHooks = o.hooks.noHooks
	renderOpts, err := o.render.options()
	if err != nil {
		return err
	}
	lc, err := o.ref.locateRenderable(ctx, f, o.chartPath)
	if err != nil {
		return err
	}
	user, err := o.values.userValues(f.In)
	if err != nil {
		return err
	}
	labels, unset := o.labels.split()
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	progress := startProgress(cfg, f.ErrOut, o.output.Format)
	rel, cs, err := action.Upgrade(awaitServer(ctx, settings.Timeout), cfg, lc.Chart, user, action.UpgradeOptions{
		ApplySettings:   settings,
		RenderOptions:   renderOpts,
		Name:            o.name,
		Install:         o.install,
		CreateNamespace: o.createNamespace,
		SkipCRDs:        o.skipCRDs,
		Values:          o.valuesPolicy(),
		Labels:          labels,
		UnsetLabels:     unset,
		Provenance:      provenanceOf(o.chartPath, lc, f.origin(ctx, &o.prov, settings.DryRun != action.DryRunClient)),

		RollbackOnFailure: o.hooks.rollbackOnFailure,
	})
	progress.Close()
	if err != nil {
		return fmt.Errorf("upgrade release %q: %w", o.name, err)
	}
	r := dryRunReportOf(rel, cs, settings.DryRun)
	if o.hideNotes {
		r.Notes = ""
	}
	return o.output.Print(f.Out, r, func(w io.Writer) error { return writeReport(w, r) })
}
