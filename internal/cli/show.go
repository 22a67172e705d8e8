package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// showOptions are the arguments of the berth show subcommands.
type showOptions struct {
	chartPath string
	ref       chartRefFlags
	// parts are what to print, in order: chart, values, readme, crds.
	parts []showPart
	// jsonpath is show values --jsonpath.
	jsonpath string
}

type showPart int

const (
	showPartChart showPart = iota
	showPartValues
	showPartReadme
	showPartCRDs
)

func newShowCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show chart|values|readme|crds|all CHART",
		Short: "print a chart's metadata, default values, README or CRDs",
		Long: `Print parts of a chart without rendering it. The output is what 'helm show'
prints, byte for byte.

` + chartArgHelp,
		Example: `  berth show values ./web > my-values.yaml
  berth show chart web-1.2.3.tgz
  berth show chart bitnami/nginx --version '22.x'
  berth show values nginx --repo https://charts.example.com
  berth show crds ./operator | kubectl apply --server-side -f -`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return &UsageError{Err: fmt.Errorf("%q needs what to show: chart, values, readme, crds or all",
				cmd.CommandPath())}
		},
	}
	for _, sub := range []struct {
		use, short, long, example string
		parts                     []showPart
	}{
		{
			"chart", "print a chart's Chart.yaml",
			"Print the chart's metadata (Chart.yaml, with requirements.yaml's dependencies for\napiVersion v1 charts) as YAML.",
			"  berth show chart ./web",
			[]showPart{showPartChart},
		},
		{
			"values", "print a chart's default values",
			"Print the chart's values.yaml as written, comments included.",
			"  berth show values ./web > my-values.yaml",
			[]showPart{showPartValues},
		},
		{
			"readme", "print a chart's README",
			"Print the chart's README.md (or README.txt, README), if it has one.",
			"  berth show readme web-1.2.3.tgz | less",
			[]showPart{showPartReadme},
		},
		{
			"crds", "print a chart's custom resource definitions",
			"Print the CRDs in the crds/ directories of the chart and its subcharts, each\nas a YAML document.",
			"  berth show crds ./operator | kubectl apply --server-side -f -",
			[]showPart{showPartCRDs},
		},
		{
			"all", "print a chart's metadata, values, README and CRDs",
			"Print Chart.yaml, values.yaml, the README and the CRDs, separated by '---'.",
			"  berth show all ./web",
			[]showPart{showPartChart, showPartValues, showPartReadme, showPartCRDs},
		},
	} {
		parts := sub.parts
		o := &showOptions{parts: parts}
		subCmd := &cobra.Command{
			Use:     sub.use + " CHART",
			Short:   sub.short,
			Long:    sub.long + "\n\n" + chartArgHelp,
			Example: sub.example,
			Args:    exactArgs("chart"),
			RunE: func(cmd *cobra.Command, args []string) error {
				o.chartPath = args[0]
				return runShow(cmd.Context(), f, o)
			},
		}
		o.ref.AddFlags(subCmd.Flags())
		if sub.use == "values" {
			subCmd.Flags().StringVar(&o.jsonpath, "jsonpath", "", "print only what this JSONPath expression selects of the values, e.g. '{.image.tag}'")
		}
		cmd.AddCommand(subCmd)
	}
	return cmd
}

func runShow(ctx context.Context, f *Factory, o *showOptions) error {
	c, err := o.ref.load(ctx, f, o.chartPath)
	if err != nil {
		return err
	}
	if o.jsonpath != "" {
		return writeJSONPath(f.Out, o.jsonpath, c.Values)
	}
	var out bytes.Buffer
	all := len(o.parts) > 1
	for _, p := range o.parts {
		if err := writeShowPart(&out, c, p, all); err != nil {
			return err
		}
	}
	_, err = f.Out.Write(out.Bytes())
	return err
}

// writeShowPart writes one part as Helm's show does: "---" lines separate
// the parts of show all, and only parts the chart has are written.
func writeShowPart(w io.Writer, c *chart.Chart, p showPart, all bool) error {
	switch p {
	case showPartChart:
		data, err := yaml.Marshal(c.Metadata)
		if err != nil {
			return fmt.Errorf("encode %s: %w", chart.ChartfileName, err)
		}
		fmt.Fprintf(w, "%s\n", data)
	case showPartValues:
		for _, f := range c.Raw {
			if f.Name != chart.ValuesfileName {
				continue
			}
			if all {
				fmt.Fprintln(w, "---")
			}
			fmt.Fprintln(w, string(f.Data))
		}
	case showPartReadme:
		if readme := c.Readme(); readme != nil {
			if all {
				fmt.Fprintln(w, "---")
			}
			fmt.Fprintf(w, "%s\n", readme.Data)
		}
	case showPartCRDs:
		for _, crd := range c.CRDObjects() {
			if !bytes.HasPrefix(crd.File.Data, []byte("---")) {
				fmt.Fprintln(w, "---")
			}
			fmt.Fprintf(w, "%s\n", crd.File.Data)
		}
	}
	return nil
}

// writeJSONPath prints what expr selects of values, as helm show values
// --jsonpath does (kubectl's JSONPath printer).
func writeJSONPath(w io.Writer, expr string, values map[string]any) error {
	p, err := printers.NewJSONPathPrinter(expr)
	if err != nil {
		return usageErrorf("invalid --jsonpath %q: %w", expr, err)
	}
	if err := p.Execute(w, values); err != nil {
		return fmt.Errorf("--jsonpath %q: %w", expr, err)
	}
	return nil
}
