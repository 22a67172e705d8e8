package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
)

// IndexFileName is the name of a repository's index, in the directory that
// `repo index` reads.
const IndexFileName = "index.yaml"

// ErrBadArchive means a chart archive of the directory being indexed does
// not load as a chart.
var ErrBadArchive = errors.New("not a loadable chart archive")

// IndexOptions say how WriteDirectoryIndex indexes a directory.
type IndexOptions struct {
	// URL is the repository's URL, joined before each archive's path; ""
	// writes paths relative to the index.
	URL string
	// Merge is an index whose versions the directory lacks are kept in the
	// new index; "" merges nothing, and a file that does not exist merges
	// as an empty index.
	Merge string
	// JSON writes the index as JSON (still named index.yaml), as
	// `helm repo index --json` does.
	JSON bool
	// Now stamps the index and its new versions; zero means time.Now().
	Now time.Time
}

// WriteDirectoryIndex writes DIR/index.yaml for the chart archives of dir,
// as `helm repo index` does: IndexDirectory, merged with opts.Merge, the
// versions of each chart highest first. The file is written atomically,
// and not at all when an archive or the merged index is unusable. It
// returns the index and the path written.
func WriteDirectoryIndex(ctx context.Context, dir string, opts IndexOptions) (*IndexFile, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", fmt.Errorf("index %s: %w", dir, err)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	idx, err := IndexDirectory(ctx, abs, opts.URL, now)
	if err != nil {
		return nil, "", err
	}
	if opts.Merge != "" {
		older, err := loadMergeIndex(opts.Merge)
		if err != nil {
			return nil, "", err
		}
		idx.Merge(older)
	}
	out := filepath.Join(abs, IndexFileName)
	if err := idx.WriteFile(out, opts.JSON); err != nil {
		return nil, "", err
	}
	return idx, out, nil
}

// loadMergeIndex reads the index given to --merge; one that does not exist
// is empty, as for Helm (which also creates it; berth writes only DIR's).
func loadMergeIndex(path string) (*IndexFile, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return newIndexFile(time.Time{}), nil
	}
	older, err := LoadIndexFile(path)
	if err != nil {
		return nil, fmt.Errorf("merge index %s: %w", path, err)
	}
	return older, nil
}

func newIndexFile(now time.Time) *IndexFile {
	return &IndexFile{APIVersion: "v1", Generated: now, Entries: map[string][]*ChartVersion{}}
}

// IndexDirectory returns the index of the chart archives (*.tgz) in dir and
// in the directories directly below it, as `helm repo index` builds it:
// each version with its Chart.yaml, the SHA-256 digest of its archive, the
// time now, and a URL that is baseURL (when set) joined with the archive's
// path below dir. Each chart's versions are sorted highest first. An
// archive that does not load as a chart fails the whole index with
// ErrBadArchive, naming the file (Helm skips it silently).
func IndexDirectory(ctx context.Context, dir, baseURL string, now time.Time) (*IndexFile, error) {
	archives, err := findArchives(dir)
	if err != nil {
		return nil, err
	}
	idx := newIndexFile(now)
	for _, rel := range archives {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("index %s: %w", dir, err)
		}
		cv, err := indexArchive(dir, rel, baseURL, now)
		if err != nil {
			return nil, err
		}
		idx.Entries[cv.Name] = append(idx.Entries[cv.Name], cv)
	}
	idx.sortEntries()
	return idx, nil
}

// findArchives returns the paths, relative to dir and slash-separated, of
// the *.tgz files in dir, then of those one directory down, each directory
// in name order (hidden names included), as Helm's two globs find them.
func findArchives(dir string) ([]string, error) {
	top, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	var archives, subdirs []string
	for _, e := range top {
		switch {
		case isDir(filepath.Join(dir, e.Name())):
			subdirs = append(subdirs, e.Name()) // even one named *.tgz
		case strings.HasSuffix(e.Name(), ".tgz"):
			archives = append(archives, e.Name())
		}
	}
	for _, sub := range subdirs {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", dir, err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tgz") && !isDir(filepath.Join(dir, sub, e.Name())) {
				archives = append(archives, sub+"/"+e.Name())
			}
		}
	}
	return archives, nil
}

// isDir reports whether path is a directory or a link to one.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// indexArchive loads the archive at rel below dir and returns its index
// entry.
func indexArchive(dir, rel, baseURL string, now time.Time) (*ChartVersion, error) {
	file := filepath.Join(dir, filepath.FromSlash(rel))
	ch, err := chart.LoadFile(file)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w: %w; repackage it or move it out of the directory", dir, ErrBadArchive, err)
	}
	md := ch.Metadata
	if md.APIVersion == "" {
		md.APIVersion = chart.APIVersionV1
	}
	if err := md.Validate(); err != nil {
		return nil, fmt.Errorf("index %s: chart archive %s: %w", dir, rel, err)
	}
	digest, err := fileDigest(file)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", dir, err)
	}
	relDir, base := path.Split(rel)
	return &ChartVersion{
		Metadata: md,
		URLs:     []string{archiveURL(baseURL, strings.TrimSuffix(relDir, "/"), base)},
		Created:  now,
		Digest:   digest,
	}, nil
}

// fileDigest returns the hex SHA-256 of the file at path.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("digest: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("digest %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// archiveURL is where the index says an archive is: the directory's URL
// (baseURL joined with relDir) joined with the file name, or the bare file
// name when both are empty.
func archiveURL(baseURL, relDir, name string) string {
	parent := joinURL(baseURL, relDir)
	if parent == "" {
		return name
	}
	return joinURL(parent, name)
}

// joinURL joins path elements to a URL's path, cleaning it as path.Join
// does; a base that is not a URL is joined as a plain path.
func joinURL(base string, elems ...string) string {
	u, err := url.Parse(base)
	if err != nil {
		return path.Join(append([]string{base}, elems...)...)
	}
	u.Path = path.Join(append([]string{u.Path}, elems...)...)
	return u.String()
}

// Merge adds to i every version of older that i does not have, so that a
// directory's archives take precedence over an older index's entries of
// the same version, and sorts each chart's versions highest first. A
// version counts as present as Helm decides it: written the same way, or
// matched by older's version taken as a SemVer constraint (so 1.0.0+build
// is the same as 1.0.0).
func (i *IndexFile) Merge(older *IndexFile) {
	names := make([]string, 0, len(older.Entries))
	for name := range older.Entries {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, cv := range older.Entries[name] {
			if !i.has(cv.Name, cv.Version) {
				i.Entries[cv.Name] = append(i.Entries[cv.Name], cv)
			}
		}
	}
	i.sortEntries()
}

// has reports whether i holds version of chart name, by Helm's rule for
// merging: the exact string, or else any version the constraint version
// accepts.
func (i *IndexFile) has(name, version string) bool {
	versions := i.Entries[name]
	for _, cv := range versions {
		if cv.Version == version {
			return true
		}
	}
	cons, err := semver.NewConstraint(version)
	if err != nil {
		return false
	}
	for _, cv := range versions {
		if v, err := semver.NewVersion(cv.Version); err == nil && cons.Check(v) {
			return true
		}
	}
	return false
}

// WriteFile writes the index to path atomically with mode 0644, as YAML
// or, with asJSON, as indented JSON, the encodings Helm writes.
func (i *IndexFile) WriteFile(path string, asJSON bool) error {
	var data []byte
	var err error
	if asJSON {
		data, err = json.MarshalIndent(i, "", "  ")
	} else {
		data, err = yaml.Marshal(i)
	}
	if err != nil {
		return fmt.Errorf("encode index %s: %w", path, err)
	}
	if err := writeAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}
