package repo

import (
	"fmt"
	"os"
	"path/filepath"
)

// Environment variables that move the repositories file and the index cache.
const (
	// EnvRepositoryConfig overrides the path of the repositories file.
	EnvRepositoryConfig = "BERTH_REPOSITORY_CONFIG"
	// EnvRepositoryCache overrides the directory of cached index files.
	EnvRepositoryCache = "BERTH_REPOSITORY_CACHE"
	// EnvHelmRepositoryConfig and EnvHelmRepositoryCache are Helm's names
	// of the same settings, honoured when berth's are not set, so that a
	// CI job written for Helm finds its repositories.
	EnvHelmRepositoryConfig = "HELM_REPOSITORY_CONFIG"
	EnvHelmRepositoryCache  = "HELM_REPOSITORY_CACHE"
)

// DefaultConfigPath returns the repositories file: $BERTH_REPOSITORY_CONFIG,
// $HELM_REPOSITORY_CONFIG, or berth/repositories.yaml under the user's
// configuration directory (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config
// on Linux).
func DefaultConfigPath() (string, error) {
	if p := envOr(EnvRepositoryConfig, EnvHelmRepositoryConfig); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the repositories file (set %s): %w", EnvRepositoryConfig, err)
	}
	return filepath.Join(dir, "berth", "repositories.yaml"), nil
}

// DefaultCacheDir returns the index cache directory: $BERTH_REPOSITORY_CACHE,
// $HELM_REPOSITORY_CACHE, or berth/repository under the user's cache
// directory (os.UserCacheDir).
func DefaultCacheDir() (string, error) {
	if p := envOr(EnvRepositoryCache, EnvHelmRepositoryCache); p != "" {
		return p, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the repository cache (set %s): %w", EnvRepositoryCache, err)
	}
	return filepath.Join(dir, "berth", "repository"), nil
}

// IndexCachePath returns where the index of the repository named name is
// cached in cacheDir: NAME-index.yaml, as Helm names it.
func IndexCachePath(cacheDir, name string) string {
	return filepath.Join(cacheDir, name+"-index.yaml")
}

// envOr returns the first of the environment variables names that is set
// and not empty.
func envOr(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
