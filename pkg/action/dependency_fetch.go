package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
)

// fetchedChart is one dependency resolved to a version, with its archive.
type fetchedChart struct {
	dep     *chart.Dependency
	version string
	// archive is nil for a dependency that lives unpacked in charts/.
	archive []byte
	// source is where a downloaded archive came from, for Policy; nil
	// for charts packed from file:// or kept in charts/.
	source *LocatedChart
}

// fetcher resolves and downloads dependencies, fetching each repository's
// index once.
type fetcher struct {
	d        *Dependencies
	indexes  map[string]*indexedRepo
	registry *oci.Client
}

type indexedRepo struct {
	client *repo.Client
	index  *repo.IndexFile
}

func (d *Dependencies) newFetcher() *fetcher {
	return &fetcher{d: d, indexes: map[string]*indexedRepo{}}
}

func (d *Dependencies) repositories() *repo.File {
	if d.Repositories == nil {
		return repo.NewFile()
	}
	return d.Repositories
}

// repositoryAlias returns NAME of a "@NAME" or "alias:NAME" repository.
func repositoryAlias(repository string) (string, bool) {
	if name, ok := strings.CutPrefix(repository, "@"); ok {
		return name, true
	}
	return strings.CutPrefix(repository, "alias:")
}

// resolveRepositoryNames replaces "@NAME" and "alias:NAME" repositories by
// the URLs of the added repositories they name, as Helm does before
// computing the lock digest, and rejects repositories that are neither.
func (d *Dependencies) resolveRepositoryNames(deps []*chart.Dependency) error {
	var missing, invalid []string
	for _, dep := range deps {
		if name, ok := repositoryAlias(dep.Repository); ok {
			e := d.repositories().Get(name)
			if e == nil {
				missing = append(missing, dep.Repository)
				continue
			}
			dep.Repository = e.URL
			continue
		}
		if !isSupportedRepository(dep.Repository) {
			invalid = append(invalid, fmt.Sprintf("%q (dependency %s)", dep.Repository, dep.Name))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no repository added for %s: add it with berth repo add NAME URL", strings.Join(missing, ", "))
	}
	if len(invalid) > 0 {
		return fmt.Errorf("repository %s is not a URL: write https://..., oci://..., file://... or @NAME of a repository added with berth repo add",
			strings.Join(invalid, ", "))
	}
	return nil
}

func isSupportedRepository(r string) bool {
	for _, prefix := range []string{"file://", oci.Scheme, "https://", "http://"} {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	return r == ""
}

// fetchAll resolves and downloads every dependency; with exact, each
// version must be met exactly (a lock's).
func (f *fetcher) fetchAll(ctx context.Context, deps []*chart.Dependency, exact bool) ([]*fetchedChart, error) {
	out := make([]*fetchedChart, 0, len(deps))
	for _, dep := range deps {
		if dep.Name == "" || dep.Name == "." || dep.Name == ".." || strings.ContainsAny(dep.Name, `/\`) {
			return nil, fmt.Errorf("dependency %q: a chart name must not be empty or contain path elements", dep.Name)
		}
		fc, err := f.fetch(ctx, dep, exact)
		if err != nil {
			return nil, fmt.Errorf("dependency %s (%s): %w", dep.Name, displayRepository(dep.Repository), err)
		}
		if fc.archive != nil {
			if err := checkArchive(fc); err != nil {
				return nil, fmt.Errorf("dependency %s (%s): %w", dep.Name, displayRepository(dep.Repository), err)
			}
		}
		if err := f.checkPolicy(ctx, fc); err != nil {
			return nil, fmt.Errorf("dependency %s (%s): %w", dep.Name, displayRepository(dep.Repository), err)
		}
		out = append(out, fc)
	}
	return out, nil
}

func displayRepository(r string) string {
	if r == "" {
		return "in " + chart.ChartsDir + "/"
	}
	return r
}

func (f *fetcher) fetch(ctx context.Context, dep *chart.Dependency, exact bool) (*fetchedChart, error) {
	switch {
	case dep.Repository == "":
		return f.fetchUnpacked(dep)
	case strings.HasPrefix(dep.Repository, "file://"):
		return f.fetchLocal(dep)
	case oci.IsReference(dep.Repository):
		return f.fetchRegistry(ctx, dep, exact)
	default:
		return f.fetchRepository(ctx, dep, exact)
	}
}

// fetchUnpacked checks a dependency kept unpacked in charts/NAME meets its
// constraint; it is locked with the constraint, as Helm locks it.
func (f *fetcher) fetchUnpacked(dep *chart.Dependency) (*fetchedChart, error) {
	ch, err := chart.LoadDir(filepath.Join(f.d.ChartPath, chart.ChartsDir, dep.Name))
	if err != nil {
		return nil, fmt.Errorf("no repository given, and the chart is not in %s/%s: %w", chart.ChartsDir, dep.Name, err)
	}
	if err := checkConstraint(dep.Version, ch.Metadata.Version); err != nil {
		return nil, err
	}
	return &fetchedChart{dep: dep, version: dep.Version}, nil
}

// fetchLocal packs the chart directory a file:// repository names.
func (f *fetcher) fetchLocal(dep *chart.Dependency) (*fetchedChart, error) {
	dir := strings.TrimPrefix(dep.Repository, "file://")
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(f.d.ChartPath, dir)
	}
	ch, err := chart.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	if err := checkConstraint(dep.Version, ch.Metadata.Version); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, ch); err != nil {
		return nil, fmt.Errorf("pack %s: %w", dir, err)
	}
	f.d.log("Packing %s %s from %s", dep.Name, ch.Metadata.Version, dep.Repository)
	return &fetchedChart{dep: dep, version: ch.Metadata.Version, archive: buf.Bytes()}, nil
}

// fetchRegistry pulls oci://HOST/PATH/NAME: the exact version, or the
// highest tag matching the constraint.
func (f *fetcher) fetchRegistry(ctx context.Context, dep *chart.Dependency, exact bool) (*fetchedChart, error) {
	if f.registry == nil {
		if f.d.Registry == nil {
			return nil, errors.New("no registry client configured")
		}
		client, err := f.d.Registry()
		if err != nil {
			return nil, err
		}
		f.registry = client
	}
	version := dep.Version
	if exact {
		if _, err := semver.StrictNewVersion(version); err != nil {
			return nil, fmt.Errorf("locked version %q is not a version: %w", version, err)
		}
	}
	ref := strings.TrimSuffix(dep.Repository, "/") + "/" + dep.Name
	f.d.log("Downloading %s %s from %s", dep.Name, version, ref)
	res, err := f.registry.Pull(ctx, ref, version)
	if err != nil {
		return nil, err
	}
	src := &LocatedChart{
		Kind: SourceOCI, Ref: res.Ref, Version: res.Version, Digest: res.Digest, Location: ref,
		Archive: res.Archive, Prov: res.Prov, ArchiveName: res.Name + "-" + res.Version + ".tgz",
	}
	return &fetchedChart{dep: dep, version: res.Version, archive: res.Archive, source: src}, nil
}

// checkPolicy checks a downloaded dependency against Dependencies.Policy.
func (f *fetcher) checkPolicy(ctx context.Context, fc *fetchedChart) error {
	if f.d.Policy == nil || fc.source == nil {
		return nil
	}
	v, err := f.d.Policy(ctx, fc.source)
	if err != nil {
		return err
	}
	if v != nil && v.Warning != "" {
		f.d.log("Warning: %s %s is not verified, used all the same (%s is in warn mode): %s", fc.dep.Name, fc.version, v.Rule, v.Warning)
	}
	return nil
}

// fetchRepository finds the version in the repository's index (the
// highest matching the constraint, or the exact locked one) and downloads
// it, checked against the index's digest.
func (f *fetcher) fetchRepository(ctx context.Context, dep *chart.Dependency, exact bool) (*fetchedChart, error) {
	ir, err := f.index(ctx, dep.Repository)
	if err != nil {
		return nil, err
	}
	cv, err := ir.index.Get(dep.Name, dep.Version)
	if err != nil {
		return nil, err
	}
	if exact && cv.Version != dep.Version {
		return nil, fmt.Errorf("%w: the locked version %s is no longer in the repository's index", repo.ErrNoChart, dep.Version)
	}
	f.d.log("Downloading %s %s from %s", dep.Name, cv.Version, dep.Repository)
	archive, err := ir.client.DownloadChart(ctx, cv)
	if err != nil {
		return nil, err
	}
	fc := &fetchedChart{dep: dep, version: cv.Version, archive: archive}
	if f.d.Policy != nil {
		prov, err := ir.client.DownloadProvenance(ctx, cv)
		if err != nil && !errors.Is(err, repo.ErrNotFound) {
			return nil, err
		}
		fc.source = &LocatedChart{
			Kind: SourceRepository, Ref: dep.Repository + " " + dep.Name, Version: cv.Version,
			Location: strings.TrimSuffix(dep.Repository, "/"), Archive: archive, Prov: prov,
			ArchiveName: cv.Name + "-" + cv.Version + ".tgz",
		}
	}
	return fc, nil
}

// index returns the index of the repository at url: an added repository's
// is fetched into the cache (or read from it with SkipRefresh); any other
// URL's is fetched without credentials.
func (f *fetcher) index(ctx context.Context, url string) (*indexedRepo, error) {
	key := strings.TrimSuffix(url, "/")
	if ir, ok := f.indexes[key]; ok {
		return ir, nil
	}
	entry := f.d.repositories().FindURL(url)
	added := entry != nil
	if !added {
		unadded := f.d.Unadded
		unadded.Name, unadded.URL = "", url
		entry = &unadded
	}
	client, err := repo.NewClient(entry, f.d.UserAgent)
	if err != nil {
		return nil, err
	}
	var idx *repo.IndexFile
	switch {
	case added && f.d.SkipRefresh:
		idx, err = repo.LoadIndexFile(repo.IndexCachePath(f.d.CacheDir, entry.Name))
		if err != nil {
			err = fmt.Errorf("no usable cached index of repository %q (run berth repo update %s): %w", entry.Name, entry.Name, err)
		}
	case added && f.d.CacheDir != "":
		f.d.log("Fetching the index of repository %q (%s)", entry.Name, entry.URL)
		idx, err = client.UpdateCache(ctx, f.d.CacheDir)
	default:
		f.d.log("Fetching the index of %s", url)
		idx, _, err = client.FetchIndex(ctx)
	}
	if err != nil {
		return nil, err
	}
	ir := &indexedRepo{client: client, index: idx}
	f.indexes[key] = ir
	return ir, nil
}

// checkConstraint checks version meets constraint ("" accepts any).
func checkConstraint(constraint, version string) error {
	if constraint == "" {
		return nil
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return fmt.Errorf("version %q is neither a version nor a SemVer constraint: %w", constraint, err)
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return fmt.Errorf("chart version %q is not a SemVer version: %w", version, err)
	}
	if !cons.Check(v) {
		return fmt.Errorf("the chart's version %s does not satisfy %s", version, constraint)
	}
	return nil
}

// checkArchive loads a downloaded archive and checks it is the chart and
// version asked for, so that nothing else lands in charts/.
func checkArchive(fc *fetchedChart) error {
	ch, err := chart.LoadArchive(bytes.NewReader(fc.archive))
	if err != nil {
		return fmt.Errorf("downloaded archive of %s %s: %w", fc.dep.Name, fc.version, err)
	}
	if ch.Name() != fc.dep.Name || ch.Metadata.Version != fc.version {
		return fmt.Errorf("the repository served chart %s %s instead of %s %s", ch.Name(), ch.Metadata.Version, fc.dep.Name, fc.version)
	}
	return nil
}
