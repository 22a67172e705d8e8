package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/chart/lint"
	"github.com/berth-sh/berth/pkg/render"
)

// lintOptions are the flags and arguments of berth lint.
type lintOptions struct {
	values valuesFlags
	output outputFlags

	charts               []string
	namespace            string
	kubeVersion          string
	strict               bool
	withSubcharts        bool
	quiet                bool
	skipSchemaValidation bool
}

func newLintCmd(f *Factory) *cobra.Command {
	o := &lintOptions{}
	cmd := &cobra.Command{
		Use:   "lint [CHART...]",
		Short: "examine charts for possible issues",
		Long: `Examine each chart (a directory or a .tgz archive; default: the current
directory) with the rules of 'helm lint': Chart.yaml metadata, values.yaml
against values.schema.json, templates rendered in lint mode (required and
fail do not stop the render), the rendered YAML, the objects in it (names,
workload selectors, APIs deprecated or removed in --kube-version),
dependencies and crds/ files.

Messages are [INFO], [WARNING] or [ERROR], each naming the file at fault.
A chart fails with an error, or with --strict a warning; berth exits 1 when
any chart fails. A chart fails exactly when it fails helm lint; berth adds
one warning, for an object without apiVersion or kind.

-o json prints an array of {chart, messages: [{severity, path, message}]}.`,
		Example: `  # Lint a chart directory and a packaged chart
  berth lint ./charts/web web-1.2.0.tgz

  # With production values, for Kubernetes 1.29, warnings failing
  berth lint ./charts/web -f prod.yaml --kube-version 1.29 --strict

  # The chart and every chart under its charts/, as JSON
  berth lint ./charts/web --with-subcharts -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.charts = args
			if len(o.charts) == 0 {
				o.charts = []string{"."}
			}
			o.namespace = "default"
			if ns := f.KubeFlags.Namespace; ns != nil && *ns != "" {
				o.namespace = *ns
			}
			return runLint(cmd.Context(), f, o)
		},
	}
	o.addFlags(cmd.Flags())
	return cmd
}

func (o *lintOptions) addFlags(fs *pflag.FlagSet) {
	o.values.AddFlags(fs)
	o.output.AddFlags(fs)
	fs.StringVar(&o.kubeVersion, "kube-version", "",
		"Kubernetes version used for capabilities and deprecation checks (default: as berth template)")
	fs.BoolVar(&o.strict, "strict", false, "fail on lint warnings")
	fs.BoolVar(&o.withSubcharts, "with-subcharts", false, "lint dependent charts")
	fs.BoolVar(&o.quiet, "quiet", false, "print only warnings and errors")
	fs.BoolVar(&o.skipSchemaValidation, "skip-schema-validation", false, "do not validate values against values.schema.json")
}

func runLint(_ context.Context, f *Factory, o *lintOptions) error {
	opts, err := o.lintOptions(f)
	if err != nil {
		return err
	}
	paths := o.charts
	if o.withSubcharts {
		for _, p := range o.charts {
			paths = append(paths, lint.SubchartPaths(p)...)
		}
	}
	results := make([]*lint.Result, 0, len(paths))
	failed := 0
	for _, p := range paths {
		res := lint.Lint(p, opts)
		results = append(results, res)
		if res.Failed(o.strict) {
			failed++
		}
	}
	err = o.output.Print(f.Out, results, func(w io.Writer) error {
		return writeLintText(w, results, o.quiet, failed)
	})
	if err != nil {
		return err
	}
	if failed > 0 {
		return errors.New(lintSummary(len(results), failed))
	}
	return nil
}

// lintOptions validates the flags and turns them into lint options.
func (o *lintOptions) lintOptions(f *Factory) (lint.Options, error) {
	if err := o.output.Validate(); err != nil {
		return lint.Options{}, err
	}
	opts := lint.Options{Namespace: o.namespace, SkipSchemaValidation: o.skipSchemaValidation}
	if o.kubeVersion != "" {
		kv, err := render.ParseKubeVersion(o.kubeVersion)
		if err != nil {
			return lint.Options{}, usageErrorf("invalid --kube-version: %w", err)
		}
		opts.KubeVersion = &kv
	}
	user, err := o.values.userValues(f.In)
	if err != nil {
		return lint.Options{}, err
	}
	opts.Values = user
	return opts, nil
}

// lintSummary is the last line of helm lint's report.
func lintSummary(linted, failed int) string {
	return fmt.Sprintf("%d chart(s) linted, %d chart(s) failed", linted, failed)
}

// writeLintText prints results as helm lint does: a section per chart
// and, when none failed (a failure is reported as the error), a summary;
// with quiet, only charts with warnings or errors, without INFO messages,
// and the summary only if something was reported.
func writeLintText(w io.Writer, results []*lint.Result, quiet bool, failed int) error {
	reported := 0
	for _, res := range results {
		if quiet && res.Highest() < lint.SeverityWarning {
			continue
		}
		reported++
		if _, err := fmt.Fprintf(w, "==> Linting %s\n", res.Chart); err != nil {
			return err
		}
		for _, m := range res.Messages {
			if quiet && m.Severity == lint.SeverityInfo {
				continue
			}
			fmt.Fprintln(w, m)
		}
		fmt.Fprintln(w)
	}
	if failed > 0 || (quiet && reported == 0) {
		return nil
	}
	_, err := fmt.Fprintln(w, lintSummary(len(results), failed))
	return err
}
