package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/repo"
)

type repoRemoveOptions struct {
	output outputFlags
	names  []string
}

// repoRemoveOutput is what repo remove reports.
type repoRemoveOutput struct {
	Removed []string `json:"removed"`
}

func newRepoRemoveCmd(f *Factory) *cobra.Command {
	o := &repoRemoveOptions{}
	cmd := &cobra.Command{
		Use:     "remove NAME...",
		Aliases: []string{"rm"},
		Short:   "remove chart repositories",
		Long: `Remove the named repositories from the repositories file, with their
cached indexes. If any name is not a repository, nothing is removed.`,
		Example: `  berth repo remove bitnami
  berth repo remove acme internal`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return argsError(cmd, args, []string{"name..."}, 1, 1)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.names = args
			if err := o.output.Validate(); err != nil {
				return err
			}
			return runRepoRemove(f, o)
		},
	}
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func runRepoRemove(f *Factory, o *repoRemoveOptions) error {
	configPath, err := f.Repos.configPath()
	if err != nil {
		return err
	}
	cacheDir, err := f.Repos.cacheDir()
	if err != nil {
		return err
	}
	err = repo.Update(configPath, func(file *repo.File) error {
		var missing []string
		for _, name := range o.names {
			if file.Get(name) == nil {
				missing = append(missing, fmt.Sprintf("%q", name))
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("remove repositories: %w: %s (see berth repo list)", repo.ErrNoRepository, strings.Join(missing, ", "))
		}
		for _, name := range o.names {
			file.Remove(name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range o.names {
		cached := repo.IndexCachePath(cacheDir, name)
		if err := os.Remove(cached); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(f.ErrOut, "Warning: remove cached index %s: %v\n", filepath.Clean(cached), err)
		}
	}
	out := &repoRemoveOutput{Removed: o.names}
	return o.output.Print(f.Out, out, func(w io.Writer) error {
		for _, name := range o.names {
			if _, err := fmt.Fprintf(w, "%q has been removed from your repositories\n", name); err != nil {
				return err
			}
		}
		return nil
	})
}
