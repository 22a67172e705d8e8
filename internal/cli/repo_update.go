package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/repo"
)

type repoUpdateOptions struct {
	output  outputFlags
	names   []string
	timeout time.Duration
}

// repoUpdateItem is one repository's outcome in repo update's output.
type repoUpdateItem struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Charts is how many charts the fresh index lists.
	Charts int `json:"charts"`
	// Error says why the index could not be updated, "" on success.
	Error string `json:"error,omitempty"`
}

func newRepoUpdateCmd(f *Factory) *cobra.Command {
	o := &repoUpdateOptions{}
	cmd := &cobra.Command{
		Use:     "update [NAME...]",
		Aliases: []string{"up"},
		Short:   "fetch the latest index of chart repositories",
		Long: `Download the index.yaml of every added repository, or of the named ones,
in parallel, and replace the cached copies. A repository whose index cannot
be fetched keeps its old cached index; the command reports each outcome
and fails if any repository failed.`,
		Example: `  berth repo update
  berth repo update acme -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.names = args
			if err := o.output.Validate(); err != nil {
				return err
			}
			return runRepoUpdate(cmd.Context(), f, o)
		},
	}
	o.output.AddFlags(cmd.Flags())
	cmd.Flags().DurationVar(&o.timeout, "timeout", repoTimeout, "how long fetching each repository's index may take")
	return cmd
}

func runRepoUpdate(ctx context.Context, f *Factory, o *repoUpdateOptions) error {
	configPath, err := f.Repos.configPath()
	if err != nil {
		return err
	}
	cacheDir, err := f.Repos.cacheDir()
	if err != nil {
		return err
	}
	file, err := repo.LoadFile(configPath)
	if err != nil {
		return err
	}
	entries, err := selectRepositories(file, o.names)
	if err != nil {
		return err
	}
	items := updateIndexes(ctx, entries, cacheDir, o.timeout)
	var failed []string
	for _, it := range items {
		if it.Error != "" {
			failed = append(failed, it.Name)
		}
	}
	if err := o.output.Print(f.Out, items, func(w io.Writer) error { return printRepoUpdate(w, f.ErrOut, items) }); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("update repositories: could not update %s", strings.Join(failed, ", "))
	}
	return nil
}

// selectRepositories returns the named repositories, or all of them.
func selectRepositories(file *repo.File, names []string) ([]*repo.Entry, error) {
	if len(names) == 0 {
		if len(file.Repositories) == 0 {
			return nil, errors.New("update repositories: no repositories: add one with berth repo add NAME URL")
		}
		return file.Repositories, nil
	}
	var entries []*repo.Entry
	var missing []string
	for _, name := range names {
		if e := file.Get(name); e != nil {
			entries = append(entries, e)
		} else {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("update repositories: %w: %s (see berth repo list)", repo.ErrNoRepository, strings.Join(missing, ", "))
	}
	return entries, nil
}

// updateIndexes fetches every repository's index in parallel into the
// cache, and returns the outcomes in the repositories' order.
func updateIndexes(ctx context.Context, entries []*repo.Entry, cacheDir string, timeout time.Duration) []repoUpdateItem {
	items := make([]repoUpdateItem, len(entries))
	var wg sync.WaitGroup
	for i, e := range entries {
		items[i] = repoUpdateItem{Name: e.Name, URL: e.URL}
		wg.Go(func() {
			client, err := repo.NewClient(e, userAgent())
			if err != nil {
				items[i].Error = err.Error()
				return
			}
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			idx, err := client.UpdateCache(ctx, cacheDir)
			if err != nil {
				items[i].Error = err.Error()
				return
			}
			items[i].Charts = len(idx.Entries)
		})
	}
	wg.Wait()
	return items
}

func printRepoUpdate(w, errOut io.Writer, items []repoUpdateItem) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tCHARTS")
	for _, it := range items {
		if it.Error != "" {
			fmt.Fprintf(tw, "%s\tfailed\t-\n", it.Name)
			fmt.Fprintf(errOut, "Error: %s\n", it.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\tupdated\t%d\n", it.Name, it.Charts)
	}
	return tw.Flush()
}
