package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

// installOptions are the flags and arguments of berth install.
type installOptions struct {
	values valuesFlags
	apply  applyFlags
	hooks  hookFlags
	output outputFlags
	ref    chartRefFlags
	render renderFlags
	labels labelFlags
	prov   provenanceFlags

	name            string
	chartPath       string
	generateName    bool
	nameTemplate    string
	createNamespace bool
	skipCRDs        bool
	hideNotes       bool
}

func newInstallCmd(f *Factory) *cobra.Command {
	o := &installOptions{}
	cmd := &cobra.Command{
		Use:   "install [NAME] CHART",
		Short: "install a chart as a new release",
		Long: `Install a chart as release NAME in the namespace of -n or the kubeconfig
context.

` + chartArgHelp + `

berth records the revision as pending before it touches the cluster, applies
the chart's crds/ files and then its manifests with server-side apply (field
manager "berth"), each object annotated as owned by the release, and records
the revision deployed, or failed with the error. Objects that exist and belong
to no release, or another one, are refused unless --take-ownership.

Pre-install hooks run before the apply and post-install hooks after it
(--no-hooks skips them). Unless --wait=false, berth then waits until every
object is ready (kstatus; Jobs too with --wait-for-jobs) or --timeout passes,
showing the progress on stderr. With --rollback-on-failure (--atomic) a
failed install is uninstalled; its failed revision stays in history.

A name whose release is deployed is refused: use upgrade.

--dry-run (or --dry-run=client) renders only; --dry-run=server also sends the
objects to the API server with a server-side dry run. Nothing is recorded.`,
		Example: `  # Install a chart directory as release web in namespace prod
  berth install web ./charts/web -n prod --create-namespace -f prod.yaml

  # Pick a name, validate against the cluster, change nothing
  berth install ./charts/web --generate-name --dry-run=server`,
		Args: rangeArgs(1, 2, "name", "chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			if err := o.parseArgs(args); err != nil {
				return err
			}
			return runInstall(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	o.values.AddFlags(fs)
	o.apply.AddFlags(fs)
	o.hooks.AddFlags(fs, true)
	o.output.AddFlags(fs)
	o.ref.AddFlags(fs)
	o.ref.AddDependencyUpdateFlag(fs)
	o.render.AddFlags(fs)
	o.labels.AddFlags(fs, false)
	o.prov.AddFlags(fs)
	fs.BoolVarP(&o.generateName, "generate-name", "g", false, "generate the release name from the chart name")
	fs.StringVar(&o.nameTemplate, "name-template", "", "name the release with this Go template (sprig functions), e.g. 'web-{{ randAlpha 4 | lower }}'")
	fs.BoolVar(&o.createNamespace, "create-namespace", false, "create the release namespace if it does not exist")
	fs.BoolVar(&o.skipCRDs, "skip-crds", false, "do not apply the chart's crds/ files")
	fs.BoolVar(&o.hideNotes, "hide-notes", false, "do not print the chart's NOTES.txt")
	addHistoryMaxAlias(fs, &o.apply)
	addCompatFlags(fs, installIgnores...)
	addCompatFlags(fs, compatFlag{
		name: "replace",
		help: "accepted for Helm's sake: berth installs over a name whose last revision failed or was uninstalled anyway",
	})
	return cmd
}

func (o *installOptions) parseArgs(args []string) error {
	switch {
	case o.nameTemplate != "" && len(args) == 1:
		name, err := renderNameTemplate(o.nameTemplate)
		if err != nil {
			return err
		}
		o.name, o.chartPath = name, args[0]
	case o.nameTemplate != "" || o.generateName && len(args) == 2:
		return usageErrorf("give NAME, or --generate-name / --name-template, not both")
	case o.generateName && len(args) == 1:
		o.chartPath = args[0]
	case len(args) == 1:
		return &UsageError{
			Err:  fmt.Errorf("install needs NAME and CHART"),
			Hint: "Give a release name, or --generate-name to pick one.",
		}
	default:
		o.name, o.chartPath = args[0], args[1]
	}
	return nil
}

func runInstall(ctx context.Context, f *Factory, o *installOptions) error {
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
	c := lc.Chart
	if o.generateName {
		o.name = generateName(c.Name())
	}
	if err := validateReleaseName(o.name); err != nil {
		return err
	}
	user, err := o.values.userValues(f.In)
	if err != nil {
		return err
	}
	labels, _ := o.labels.split()
	cfg, err := f.ActionConfig()
	if err != nil {
		return err
	}
	progress := startProgress(cfg, f.ErrOut, o.output.Format)
	rel, cs, err := action.Install(awaitServer(ctx, settings.Timeout), cfg, c, user, action.InstallOptions{
		ApplySettings:   settings,
		RenderOptions:   renderOpts,
		Name:            o.name,
		CreateNamespace: o.createNamespace,
		SkipCRDs:        o.skipCRDs,
		Labels:          labels,
		Provenance:      provenanceOf(o.chartPath, lc, f.origin(ctx, &o.prov, settings.DryRun != action.DryRunClient)),

		RollbackOnFailure: o.hooks.rollbackOnFailure,
	})
	progress.Close()
	if err != nil {
		return fmt.Errorf("install release %q: %w", o.name, err)
	}
	r := dryRunReportOf(rel, cs, settings.DryRun)
	if o.hideNotes {
		r.Notes = ""
	}
	return o.output.Print(f.Out, r, func(w io.Writer) error { return writeReport(w, r) })
}

// generateName returns chartName-<unix seconds>, Helm's --generate-name,
// shortened to fit a release name.
func generateName(chartName string) string {
	suffix := fmt.Sprint(time.Now().Unix())
	if n, err := rand.Int(rand.Reader, big.NewInt(1000)); err == nil {
		suffix += fmt.Sprintf("%03d", n.Int64())
	}
	maxBase := maxReleaseNameLen - len(suffix) - 1
	if len(chartName) > maxBase {
		chartName = chartName[:maxBase]
	}
	return chartName + "-" + suffix
}
