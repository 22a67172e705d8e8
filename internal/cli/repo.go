package cli

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/internal/version"
	"github.com/berth-sh/berth/pkg/repo"
)

// newRepoCmd returns "berth repo", the parent of add, list, update, remove
// and index.
func newRepoCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo COMMAND",
		Short: "add, list, update and remove chart repositories, and index one",
		Long: `Manage the classic (HTTP index.yaml) chart repositories whose charts
install, upgrade, template, show, pull and diff take as REPO/NAME, and that
chart dependencies refer to by URL or as "@NAME".

The repositories are kept in a repositories file in Helm's
repositories.yaml format: --repository-config, $BERTH_REPOSITORY_CONFIG,
$HELM_REPOSITORY_CONFIG, or berth/repositories.yaml under the user's
configuration directory (~/.config on Linux). It holds passwords and is
written with mode 0600. Each repository's index.yaml is cached in
--repository-cache, $BERTH_REPOSITORY_CACHE, $HELM_REPOSITORY_CACHE, or
berth/repository under the user's cache directory.

Charts in OCI registries need no repository: refer to them as oci://
references and log in with berth registry login.`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newRepoAddCmd(f), newRepoListCmd(f), newRepoUpdateCmd(f), newRepoRemoveCmd(f), newRepoIndexCmd(f))
	return cmd
}

// repoPathFlags locate the repositories file and the index cache.
type repoPathFlags struct {
	Config string
	Cache  string
}

// AddFlags adds --repository-config and --repository-cache to fs.
func (p *repoPathFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.Config, "repository-config", "",
		"repositories file (default: $"+repo.EnvRepositoryConfig+", $"+repo.EnvHelmRepositoryConfig+
			" or berth/repositories.yaml in the user config directory)")
	fs.StringVar(&p.Cache, "repository-cache", "",
		"directory of cached repository indexes (default: $"+repo.EnvRepositoryCache+", $"+repo.EnvHelmRepositoryCache+
			" or berth/repository in the user cache directory)")
}

// configPath returns the repositories file the flags select.
func (p *repoPathFlags) configPath() (string, error) {
	if p.Config != "" {
		return p.Config, nil
	}
	return repo.DefaultConfigPath()
}

// cacheDir returns the index cache directory the flags select.
func (p *repoPathFlags) cacheDir() (string, error) {
	if p.Cache != "" {
		return p.Cache, nil
	}
	return repo.DefaultCacheDir()
}

// repoTimeout bounds the fetch of a repository's index, as Helm's
// --timeout of repo add and repo update does.
const repoTimeout = 2 * time.Minute

// userAgent is what berth sends to chart repositories.
func userAgent() string { return "berth/" + version.Get().Version }
