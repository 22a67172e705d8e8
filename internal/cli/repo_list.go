package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/repo"
)

type repoListOptions struct {
	output outputFlags
}

// repoListItem is one repository in repo list's output; credentials are
// never printed.
type repoListItem struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func newRepoListCmd(f *Factory) *cobra.Command {
	o := &repoListOptions{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "list the chart repositories added",
		Long: `List the chart repositories in the repositories file, by name and URL, in
the order they were added. Credentials are never shown.`,
		Example: `  berth repo list
  berth repo list -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			return runRepoList(f, o)
		},
	}
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func runRepoList(f *Factory, o *repoListOptions) error {
	path, err := f.Repos.configPath()
	if err != nil {
		return err
	}
	file, err := repo.LoadFile(path)
	if err != nil {
		return err
	}
	items := make([]repoListItem, 0, len(file.Repositories))
	for _, e := range file.Repositories {
		items = append(items, repoListItem{Name: e.Name, URL: e.URL})
	}
	return o.output.Print(f.Out, items, func(w io.Writer) error {
		if len(items) == 0 {
			fmt.Fprintln(f.ErrOut, "No repositories: add one with berth repo add NAME URL")
			return nil
		}
		tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tURL")
		for _, it := range items {
			fmt.Fprintf(tw, "%s\t%s\n", it.Name, it.URL)
		}
		return tw.Flush()
	})
}
