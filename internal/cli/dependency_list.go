package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
)

type dependencyListOptions struct {
	output    outputFlags
	chartPath string
}

func newDependencyListCmd(f *Factory) *cobra.Command {
	o := &dependencyListOptions{}
	cmd := &cobra.Command{
		Use:     "list CHART",
		Aliases: []string{"ls"},
		Short:   "list a chart's dependencies and whether charts/ holds them",
		Long: `List the dependencies CHART (a directory or an archive) declares, with the
status of each as Helm reports it:

  ok                charts/NAME-VERSION.tgz is the chart, at a version the constraint accepts
  unpacked          charts/NAME is the chart, unpacked, at an accepted version
  missing           charts/ has no such chart
  wrong version     the chart in charts/ has a version the constraint rejects
  too many matches  charts/ has several archives of the chart
  misnamed          charts/NAME-*.tgz holds a chart of another name
  corrupt           the archive cannot be read
  invalid version   the constraint or the chart's version is not SemVer

Files in charts/ that are not charts, or not declared dependencies, are
reported as warnings on stderr.`,
		Example: `  berth dependency list ./mychart
  berth dependency list ./mychart -o json`,
		Args: exactArgs("chart"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.chartPath = args[0]
			if err := o.output.Validate(); err != nil {
				return err
			}
			return runDependencyList(f, o)
		},
	}
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func runDependencyList(f *Factory, o *dependencyListOptions) error {
	list, err := action.ListDependencies(o.chartPath)
	if err != nil {
		return err
	}
	for _, w := range list.Warnings {
		fmt.Fprintf(f.ErrOut, "Warning: %s\n", w)
	}
	return o.output.Print(f.Out, list, func(w io.Writer) error {
		if len(list.Dependencies) == 0 {
			fmt.Fprintf(f.ErrOut, "%s declares no dependencies\n", o.chartPath)
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tREPOSITORY\tSTATUS")
		for _, d := range list.Dependencies {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Name, d.Version, d.Repository, d.Status)
		}
		return tw.Flush()
	})
}
