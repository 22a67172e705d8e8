package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/repo"
)

// defaultSearchColumnWidth is --max-col-width's default, Helm's.
const defaultSearchColumnWidth = 50

type searchRepoOptions struct {
	search         repo.SearchOptions
	maxColWidth    uint
	failOnNoResult bool
	output         outputFlags
}

// searchRepoItem is one chart version in search repo's output. The field
// names are Helm's (app_version included), so that scripts reading
// helm search repo -o json read berth's.
type searchRepoItem struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"app_version"`
	Description string `json:"description"`
}

func newSearchRepoCmd(f *Factory) *cobra.Command {
	o := &searchRepoOptions{}
	cmd := &cobra.Command{
		Use:   "repo [KEYWORD...]",
		Short: "search the added chart repositories for charts",
		Long: `Search the cached indexes of every repository added with berth repo add
(berth repo update refreshes them) for charts whose name, REPO/NAME,
description or keywords contain KEYWORD, ignoring case; several keywords
are searched as one, joined by spaces. With --regexp, KEYWORD is a Go
regular expression (case-sensitive). Without a keyword every chart is
listed.

Results come best first, as helm search repo orders them: matches in the
name before matches in the description or keywords, then by REPO/NAME.
Each chart shows its highest stable version that matches; --devel admits
pre-releases (the constraint >0.0.0-0), --version a SemVer constraint
(then --devel is ignored), and --versions lists every matching version.

A repository whose cached index is missing or unreadable is left out with
a warning on stderr that names it and says to run berth repo update; the
command fails when no index is usable. When nothing matches, the table
output is "No results found" and JSON or YAML an empty list; with
--fail-on-no-result the command fails instead. -o json and -o yaml give
name, version, app_version and description, Helm's field names.`,
		Example: `  # The highest stable version of every chart about nginx
  berth search repo nginx

  # Every version of acme/web from 2.x, pre-releases included
  berth search repo acme/web --versions --version '^2.0.0-0'

  # Chart names that start with "redis", as JSON
  berth search repo --regexp '^redis' -o json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			o.search.Keyword = strings.Join(args, " ")
			return runSearchRepo(f, o)
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&o.search.Regexp, "regexp", "r", false, "take KEYWORD as a regular expression")
	fs.BoolVarP(&o.search.Versions, "versions", "l", false, "list every matching version of each chart, not only the highest")
	fs.BoolVar(&o.search.Devel, "devel", false, "include pre-release versions (the constraint >0.0.0-0); ignored with --version")
	fs.StringVar(&o.search.Version, "version", "", "show only versions meeting this SemVer constraint")
	fs.UintVar(&o.maxColWidth, "max-col-width", defaultSearchColumnWidth, "cut table cells longer than this, with \"...\" (0: never)")
	fs.BoolVar(&o.failOnNoResult, "fail-on-no-result", false, "fail when no chart matches")
	o.output.AddFlags(fs)
	return cmd
}

func runSearchRepo(f *Factory, o *searchRepoOptions) error {
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
	idx, skipped, err := repo.LoadSearchIndex(file, cacheDir)
	if err != nil {
		return err
	}
	for _, e := range skipped {
		fmt.Fprintf(f.ErrOut, "Warning: %v\n", e)
	}
	results, err := idx.Search(o.search)
	if err != nil {
		return usageErrorf("%w", err)
	}
	if len(results) == 0 && o.failOnNoResult {
		return errors.New("no results found")
	}
	items := make([]searchRepoItem, 0, len(results))
	for _, r := range results {
		items = append(items, searchRepoItem{Name: r.Name, Version: r.Chart.Version, AppVersion: r.Chart.AppVersion, Description: r.Chart.Description})
	}
	return o.output.Print(f.Out, items, func(w io.Writer) error {
		return printSearchRepo(w, items, o.maxColWidth)
	})
}

// printSearchRepo writes the results as helm search repo's table, or "No
// results found" (on stdout, as Helm, so that scripts reading it still do).
func printSearchRepo(w io.Writer, items []searchRepoItem, maxWidth uint) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, "No results found")
		return err
	}
	rows := [][]string{{"NAME", "CHART VERSION", "APP VERSION", "DESCRIPTION"}}
	for _, it := range items {
		rows = append(rows, []string{it.Name, it.Version, it.AppVersion, it.Description})
	}
	return writeHelmTable(w, maxWidth, rows)
}
