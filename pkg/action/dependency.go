package action

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
)

// ErrLockOutOfDate reports a Chart.lock (requirements.lock) whose digest no
// longer matches the dependencies Chart.yaml declares.
var ErrLockOutOfDate = errors.New("the lock file is out of sync with the chart's dependencies")

// ErrNoLock reports a chart without a lock file where one is needed.
var ErrNoLock = errors.New("the chart has no lock file")

// Dependencies resolves, downloads and locks the dependencies of an unpacked
// chart, as `helm dependency update|build` do, into its charts/ directory
// and Chart.lock.
//
// A dependency's repository is one of: empty (the chart is already in
// charts/NAME), file://PATH (a chart directory, packed into charts/),
// oci://HOST/PATH (a registry; the chart is PATH/NAME), an http(s) URL of
// a chart repository (added or not), or "@NAME" / "alias:NAME" naming an
// added repository. Chart archives are checked against the SHA-256 digest
// their repository's index gives, and registry blobs against their
// digests, before anything is written.
type Dependencies struct {
	// ChartPath is the chart directory.
	ChartPath string
	// Repositories are the repositories the user added; nil means none.
	Repositories *repo.File
	// CacheDir is where added repositories' indexes are cached.
	CacheDir string
	// SkipRefresh uses the cached indexes of added repositories instead of
	// fetching them again.
	SkipRefresh bool
	// Unadded holds the credentials and TLS settings used for repository
	// URLs not in Repositories (its Name and URL are ignored); added
	// repositories use their own.
	Unadded repo.Entry
	// UserAgent is sent to chart repositories.
	UserAgent string
	// Registry returns the client for oci:// dependencies; it is called
	// only when there is one.
	Registry func() (*oci.Client, error)
	// Policy, when set, checks every chart downloaded from a registry or
	// a repository against the trust policy before it is written into
	// charts/ (--verify); a refusal stops the update or build.
	Policy ChartPolicy
	// Log receives progress messages ("Downloading app 1.2.3 from ...");
	// nil discards them.
	Log func(msg string)
	// Now returns the time written into Chart.lock; nil means time.Now.
	Now func() time.Time
}

// DependencyResult is what Update and Build did.
type DependencyResult struct {
	// Lock is the lock written (Update) or followed (Build).
	Lock *chart.Lock `json:"lock"`
	// LockFile is the path of the lock file.
	LockFile string `json:"lockFile"`
	// LockWritten is false when Update found the lock already up to date,
	// and for Build.
	LockWritten bool `json:"lockWritten"`
	// Charts are the archives written into charts/.
	Charts []DependencyArchive `json:"charts"`
	// Removed are the outdated archives deleted from charts/.
	Removed []string `json:"removed,omitempty"`
}

// DependencyArchive is one chart archive written into charts/.
type DependencyArchive struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository"`
	// Path is the archive's path.
	Path string `json:"path"`
	// Digest is the SHA-256 of the archive, "sha256:HEX".
	Digest string `json:"digest"`
}

// Update resolves every dependency's version constraint against its
// repository, downloads the chosen versions into charts/ (replacing
// outdated archives) and writes the lock file, unless its digest shows it
// unchanged. A chart without dependencies is left alone.
func (d *Dependencies) Update(ctx context.Context) (*DependencyResult, error) {
	c, err := d.loadChart()
	if err != nil {
		return nil, err
	}
	req := c.Metadata.Dependencies
	lockFile := d.lockFile(c)
	if len(req) == 0 {
		return &DependencyResult{LockFile: lockFile}, nil
	}
	if err := d.resolveRepositoryNames(req); err != nil {
		return nil, err
	}
	f := d.newFetcher()
	fetched, err := f.fetchAll(ctx, req, false)
	if err != nil {
		return nil, err
	}
	locked := make([]*chart.Dependency, len(fetched))
	for i, fc := range fetched {
		locked[i] = &chart.Dependency{Name: fc.dep.Name, Repository: fc.dep.Repository, Version: fc.version}
	}
	digest, err := chart.LockDigest(req, locked)
	if err != nil {
		return nil, err
	}
	res, err := d.writeCharts(fetched)
	if err != nil {
		return nil, err
	}
	res.LockFile = lockFile
	res.Lock = &chart.Lock{Generated: d.now(), Digest: digest, Dependencies: locked}
	if c.Lock != nil && c.Lock.Digest == digest {
		res.Lock = c.Lock
		return res, nil
	}
	if err := chart.WriteLock(d.ChartPath, c.Metadata.APIVersion, res.Lock); err != nil {
		return nil, err
	}
	res.LockWritten = true
	return res, nil
}

// Build downloads the exact versions the lock file names into charts/.
// Without a lock file it is Update. It fails with ErrLockOutOfDate when
// the lock's digest does not match Chart.yaml's dependencies (for
// apiVersion v1 charts, Helm 2's digest is accepted too).
func (d *Dependencies) Build(ctx context.Context) (*DependencyResult, error) {
	c, err := d.loadChart()
	if err != nil {
		return nil, err
	}
	if c.Lock == nil {
		return d.Update(ctx)
	}
	if err := d.checkLock(c); err != nil {
		return nil, err
	}
	fetched, err := d.newFetcher().fetchAll(ctx, c.Lock.Dependencies, true)
	if err != nil {
		return nil, err
	}
	res, err := d.writeCharts(fetched)
	if err != nil {
		return nil, err
	}
	res.Lock, res.LockFile = c.Lock, d.lockFile(c)
	return res, nil
}

// CheckLock reports whether the chart's lock file matches the
// dependencies Chart.yaml declares, as Build checks it before
// downloading: nil when it does, ErrNoLock without a lock file,
// ErrLockOutOfDate when the digests differ.
func (d *Dependencies) CheckLock() error {
	c, err := d.loadChart()
	if err != nil {
		return err
	}
	if c.Lock == nil {
		return fmt.Errorf("check dependencies of %s: %w: run berth dependency update %s", d.ChartPath, ErrNoLock, d.ChartPath)
	}
	return d.checkLock(c)
}

// checkLock compares the lock's digest with Helm's digest of the declared
// dependencies (their "@NAME" repositories resolved) and the locked ones;
// for apiVersion v1 charts, Helm 2's digest of requirements.yaml alone is
// accepted too.
func (d *Dependencies) checkLock(c *chart.Chart) error {
	req := c.Metadata.Dependencies
	legacy, err := chart.LegacyLockDigest(req)
	if err != nil {
		return err
	}
	if err := d.resolveRepositoryNames(req); err != nil {
		return err
	}
	sum, err := chart.LockDigest(req, c.Lock.Dependencies)
	if err != nil {
		return err
	}
	if sum != c.Lock.Digest && (c.Metadata.APIVersion != chart.APIVersionV1 || legacy != c.Lock.Digest) {
		return fmt.Errorf("check dependencies of %s: %w: %s does not match %s; run berth dependency update %s",
			d.ChartPath, ErrLockOutOfDate, d.lockFile(c), d.depsFile(c), d.ChartPath)
	}
	return nil
}

// loadChart loads the chart directory; packed charts cannot be updated.
func (d *Dependencies) loadChart() (*chart.Chart, error) {
	fi, err := os.Stat(d.ChartPath)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", d.ChartPath, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("load chart %s: only an unpacked chart directory has dependencies to update; unpack the archive first", d.ChartPath)
	}
	return chart.LoadDir(d.ChartPath)
}

func (d *Dependencies) lockFile(c *chart.Chart) string {
	return filepath.Join(d.ChartPath, chart.LockfileNameFor(c.Metadata.APIVersion))
}

func (d *Dependencies) depsFile(c *chart.Chart) string {
	if c.Metadata.APIVersion == chart.APIVersionV1 {
		return chart.RequirementsName
	}
	return chart.ChartfileName
}

func (d *Dependencies) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dependencies) log(format string, a ...any) {
	if d.Log != nil {
		d.Log(fmt.Sprintf(format, a...))
	}
}
