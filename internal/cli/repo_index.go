package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/repo"
)

type repoIndexOptions struct {
	dir  string
	opts repo.IndexOptions
}

func newRepoIndexCmd(f *Factory) *cobra.Command {
	o := &repoIndexOptions{}
	cmd := &cobra.Command{
		Use:   "index DIR",
		Short: "write the index.yaml of a directory of packaged charts",
		Long: `Write DIR/index.yaml, the index of a classic chart repository, for the
chart archives (*.tgz) in DIR and in the directories directly below it, as
helm repo index writes it: each version's Chart.yaml, the SHA-256 digest of
its archive, the time it was indexed, and its URL. Publish DIR on any web
server (or object store) and berth repo add and helm repo add take its URL.

URLs are the archives' paths below DIR, relative to the index, unless --url
gives the repository's URL to join them to (for archives served from
another host, such as a CDN).

--merge FILE keeps the versions of an index published before that DIR does
not hold (so that DIR needs only the new archives); a version DIR holds
replaces the old entry. A FILE that does not exist merges as an empty index.

Every archive must load as a chart: one that does not fails the command,
naming the file (Helm skips it silently). The index is written atomically,
and not at all when anything fails. --json writes it as JSON, still named
index.yaml, as Helm does. Nothing is printed on stdout; a summary goes to
stderr.`,
		Example: `  # Index the archives of ./public with relative URLs
  berth package ./web --destination ./public
  berth repo index ./public

  # Index new archives for https://charts.example.com, keeping what was published
  curl -fsSo published.yaml https://charts.example.com/index.yaml
  berth repo index ./new --url https://charts.example.com --merge published.yaml`,
		Args: exactArgs("DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = args[0]
			return runRepoIndex(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.opts.URL, "url", "", "URL of the chart repository, joined before each archive's path")
	fs.StringVar(&o.opts.Merge, "merge", "", "keep the versions of this index that DIR does not hold")
	fs.BoolVar(&o.opts.JSON, "json", false, "write the index as JSON (still named index.yaml)")
	return cmd
}

func runRepoIndex(ctx context.Context, f *Factory, o *repoIndexOptions) error {
	idx, path, err := repo.WriteDirectoryIndex(ctx, o.dir, o.opts)
	if err != nil {
		return err
	}
	versions := 0
	for _, vs := range idx.Entries {
		versions += len(vs)
	}
	fmt.Fprintf(f.ErrOut, "Wrote %s: %d charts, %d versions\n", path, len(idx.Entries), versions)
	return nil
}
