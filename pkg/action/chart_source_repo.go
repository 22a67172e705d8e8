package action

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
)

// locateInRepository finds REPO/NAME in the cached index of the added
// repository REPO, as Helm does: the index is the one the last repo add or
// repo update fetched, so that installs are repeatable and offline-fast.
func (l *ChartLocator) locateInRepository(ctx context.Context, ref, version string, req ChartRequest) (*LocatedChart, error) {
	repoName, chartName, ok := strings.Cut(ref, "/")
	if !ok || repoName == "" || chartName == "" {
		return nil, fmt.Errorf("%w: %q is not a local path; name a repository's chart as REPO/NAME "+
			"(after berth repo add REPO URL), give the repository with --repo URL, or use oci://HOST/PATH/NAME", ErrChartNotFound, ref)
	}
	if l.Repositories == nil {
		return nil, fmt.Errorf("%w: %s: no repositories file configured", ErrChartNotFound, ref)
	}
	repos, err := l.Repositories()
	if err != nil {
		return nil, err
	}
	entry := repos.Get(repoName)
	if entry == nil {
		return nil, fmt.Errorf("%w: chart %s: repository %q is not added (and %s is not a local path): run berth repo add %s URL",
			ErrChartNotFound, ref, repoName, ref, repoName)
	}
	idx, err := l.cachedIndex(repoName)
	if err != nil {
		return nil, err
	}
	cv, err := idx.Get(chartName, version)
	if err != nil {
		return nil, fmt.Errorf("%w in the index of repository %q%s: run berth repo update %s if it was published since",
			err, repoName, indexAge(idx), repoName)
	}
	client, err := repo.NewClient(entry, l.UserAgent)
	if err != nil {
		return nil, err
	}
	lc, err := l.downloadVersion(ctx, client, cv, req)
	if err != nil {
		return nil, err
	}
	lc.Ref, lc.Location = ref, strings.TrimSuffix(entry.URL, "/")
	return lc, nil
}

// cachedIndex reads the cached index of the added repository name.
func (l *ChartLocator) cachedIndex(name string) (*repo.IndexFile, error) {
	p := repo.IndexCachePath(l.CacheDir, name)
	idx, err := repo.LoadIndexFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no cached index of repository %q (%s): run berth repo update %s", name, p, name)
	case err != nil:
		return nil, fmt.Errorf("repository %q: %w: run berth repo update %s", name, err, name)
	}
	return idx, nil
}

// indexAge says when an index was generated, for errors that suggest it
// is stale.
func indexAge(idx *repo.IndexFile) string {
	if idx.Generated.IsZero() {
		return ""
	}
	age := time.Since(idx.Generated).Round(time.Minute)
	return fmt.Sprintf(" (generated %s, %s ago)", idx.Generated.UTC().Format(time.RFC3339), age)
}

// locateInRepoURL finds a chart by name in the repository at req.RepoURL,
// fetching its index now (--repo adds nothing to the repositories file).
func (l *ChartLocator) locateInRepoURL(ctx context.Context, req ChartRequest, name, version string) (*LocatedChart, error) {
	entry := req.Repo
	entry.Name, entry.URL = "", req.RepoURL
	client, err := repo.NewClient(&entry, l.UserAgent)
	if err != nil {
		return nil, fmt.Errorf("--repo: %w", err)
	}
	idx, _, err := client.FetchIndex(ctx)
	if err != nil {
		return nil, err
	}
	cv, err := idx.Get(name, version)
	if err != nil {
		return nil, fmt.Errorf("%w in repository %s", err, req.RepoURL)
	}
	lc, err := l.downloadVersion(ctx, client, cv, req)
	if err != nil {
		return nil, err
	}
	lc.Ref, lc.Location = req.RepoURL+" "+name, strings.TrimSuffix(req.RepoURL, "/")
	return lc, nil
}

// downloadVersion downloads cv's archive, checked against the index's
// digest, through the content cache; and its provenance when wanted.
func (l *ChartLocator) downloadVersion(ctx context.Context, client *repo.Client, cv *repo.ChartVersion, req ChartRequest) (*LocatedChart, error) {
	lc := &LocatedChart{Kind: SourceRepository, Version: cv.Version, ArchiveName: cv.Name + "-" + cv.Version + ".tgz"}
	if cv.Deprecated {
		lc.Warnings = append(lc.Warnings, fmt.Sprintf("chart %s %s is deprecated", cv.Name, cv.Version))
	}
	cache := l.contentCache()
	digest := ""
	if cv.Digest != "" {
		digest = "sha256:" + strings.ToLower(strings.TrimPrefix(cv.Digest, "sha256:"))
	}
	if data, ok := cache.get(digest); ok {
		lc.Archive = data
	} else {
		data, err := client.DownloadChart(ctx, cv)
		if err != nil {
			return nil, err
		}
		lc.Archive = data
		cache.put(digest, data)
	}
	if req.wantsProv() {
		prov, err := client.DownloadProvenance(ctx, cv)
		unsignedOK := !req.Verify || l.Policy != nil // a policy decides on unsigned charts
		if err != nil && (!unsignedOK || !errors.Is(err, repo.ErrNotFound)) {
			return nil, err
		}
		lc.Prov = prov
	}
	return lc, nil
}

// locateURL downloads an archive from an http(s) URL, with the
// credentials of the added repository it lies under, or the request's.
func (l *ChartLocator) locateURL(ctx context.Context, req ChartRequest, chartURL string) (*LocatedChart, error) {
	entry := l.repositoryOf(chartURL)
	if entry == nil {
		e := req.Repo
		e.Name, e.URL = "", chartURL
		entry = &e
	}
	client, err := repo.NewClient(entry, l.UserAgent)
	if err != nil {
		return nil, err
	}
	data, err := client.DownloadURL(ctx, chartURL)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(chartURL) // parsed before, by isArchiveURL
	lc := &LocatedChart{Kind: SourceURL, Ref: chartURL, Location: chartURL, Archive: data, ArchiveName: path.Base(u.Path)}
	if req.wantsProv() {
		lc.Prov, err = client.DownloadProvenanceURL(ctx, chartURL)
		unsignedOK := !req.Verify || l.Policy != nil // a policy decides on unsigned charts
		if err != nil && (!unsignedOK || !errors.Is(err, repo.ErrNotFound)) {
			return nil, err
		}
	}
	return lc, nil
}

// repositoryOf returns the added repository whose URL chartURL lies
// under, nil when there is none (or no repositories file).
func (l *ChartLocator) repositoryOf(chartURL string) *repo.Entry {
	if l.Repositories == nil {
		return nil
	}
	repos, err := l.Repositories()
	if err != nil {
		return nil
	}
	for _, e := range repos.Repositories {
		if strings.HasPrefix(chartURL, strings.TrimSuffix(e.URL, "/")+"/") {
			return e
		}
	}
	return nil
}

// contentCache is the archive cache under CacheDir/content; without a
// CacheDir nothing is cached.
func (l *ChartLocator) contentCache() archiveCache {
	if l.CacheDir == "" {
		return archiveCache{}
	}
	return archiveCache{oci.NewCache(filepath.Join(l.CacheDir, "content"))}
}

// archiveCache keeps downloaded archives by digest. A damaged entry reads
// as missing (oci.Cache checks digests), and a failed write is only a
// missed cache entry.
type archiveCache struct{ c *oci.Cache }

func (a archiveCache) get(digest string) ([]byte, bool) {
	if a.c == nil || digest == "" {
		return nil, false
	}
	return a.c.Get(digest)
}

func (a archiveCache) put(digest string, data []byte) {
	if a.c != nil && digest != "" {
		_ = a.c.Put(digest, data)
	}
}
