package repo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/repo"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

var indexTime = time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)

// writeArchive writes the archive of chart name at version to dir/file and
// returns its hex SHA-256.
func writeArchive(t *testing.T, dir, file, name, version string) string {
	t.Helper()
	data := repotest.Archive(t, name, version)
	path := filepath.Join(dir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// chartDir is a directory laid out as Helm's repo index reads it: archives
// at the top and one level down (also in a hidden file and a directory
// named like an archive), and some that Helm does not index.
func chartDir(t *testing.T) (dir string, digests map[string]string) {
	t.Helper()
	dir = t.TempDir()
	digests = map[string]string{
		"app 1.0.0":   writeArchive(t, dir, "app-1.0.0.tgz", "app", "1.0.0"),
		"app 1.10.0":  writeArchive(t, dir, "app-1.10.0.tgz", "app", "1.10.0"),
		"app 2.0.0-b": writeArchive(t, dir, "older/app-2.0.0-b.tgz", "app", "2.0.0-b"),
		"db 0.1.0":    writeArchive(t, dir, "db/my db-0.1.0.tgz", "db", "0.1.0"),
		"web 3.0.0":   writeArchive(t, dir, ".web-3.0.0.tgz", "web", "3.0.0"),
		"odd 1.0.0":   writeArchive(t, dir, "dir.tgz/odd-1.0.0.tgz", "odd", "1.0.0"),
	}
	writeArchive(t, dir, "a/b/deep-1.0.0.tgz", "deep", "1.0.0") // two levels down
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a chart"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, digests
}

// entryLines summarises an index as "NAME VERSION URL DIGEST-OK CREATED".
func entryLines(idx *repo.IndexFile, digests map[string]string) map[string][]string {
	got := map[string][]string{}
	for name, versions := range idx.Entries {
		for _, cv := range versions {
			want := digests[name+" "+cv.Version]
			ok := want != "" && want == cv.Digest
			got[name] = append(got[name], strings.Join([]string{
				cv.Version, strings.Join(cv.URLs, ","), map[bool]string{true: "digest ok", false: "digest " + cv.Digest}[ok],
				cv.Created.Format(time.RFC3339Nano),
			}, " "))
		}
	}
	return got
}

func TestIndexDirectory(t *testing.T) {
	dir, digests := chartDir(t)
	created := indexTime.Format(time.RFC3339Nano)
	tests := []struct {
		url  string
		want map[string][]string
	}{
		{"", map[string][]string{
			"app": {
				"2.0.0-b older/app-2.0.0-b.tgz digest ok " + created,
				"1.10.0 app-1.10.0.tgz digest ok " + created,
				"1.0.0 app-1.0.0.tgz digest ok " + created,
			},
			"db":  {"0.1.0 db/my%20db-0.1.0.tgz digest ok " + created},
			"odd": {"1.0.0 dir.tgz/odd-1.0.0.tgz digest ok " + created},
			"web": {"3.0.0 .web-3.0.0.tgz digest ok " + created},
		}},
		{"https://charts.example.com/stable/", map[string][]string{
			"app": {
				"2.0.0-b https://charts.example.com/stable/older/app-2.0.0-b.tgz digest ok " + created,
				"1.10.0 https://charts.example.com/stable/app-1.10.0.tgz digest ok " + created,
				"1.0.0 https://charts.example.com/stable/app-1.0.0.tgz digest ok " + created,
			},
			"db":  {"0.1.0 https://charts.example.com/stable/db/my%20db-0.1.0.tgz digest ok " + created},
			"odd": {"1.0.0 https://charts.example.com/stable/dir.tgz/odd-1.0.0.tgz digest ok " + created},
			"web": {"3.0.0 https://charts.example.com/stable/.web-3.0.0.tgz digest ok " + created},
		}},
	}
	for _, tt := range tests {
		t.Run("url="+tt.url, func(t *testing.T) {
			idx, err := repo.IndexDirectory(t.Context(), dir, tt.url, indexTime)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, entryLines(idx, digests)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if idx.APIVersion != "v1" || !idx.Generated.Equal(indexTime) {
				t.Errorf("apiVersion %q generated %v", idx.APIVersion, idx.Generated)
			}
		})
	}
}

func TestWriteDirectoryIndexBadArchive(t *testing.T) {
	dir, _ := chartDir(t)
	old := []byte("apiVersion: v1\nentries: {}\n")
	if err := os.WriteFile(filepath.Join(dir, "index.yaml"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "db", "broken-1.0.0.tgz"), []byte("not gzip"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := repo.WriteDirectoryIndex(t.Context(), dir, repo.IndexOptions{})
	if !errors.Is(err, repo.ErrBadArchive) || !strings.Contains(err.Error(), filepath.Join(dir, "db", "broken-1.0.0.tgz")) {
		t.Fatalf("err = %v, want ErrBadArchive naming db/broken-1.0.0.tgz", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "index.yaml")); string(got) != string(old) {
		t.Errorf("index.yaml changed after a failure:\n%s", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".index.yaml*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// olderIndex is an index published before: a version the directory also
// has (whose entry the directory's replaces), the same version with build
// metadata (Helm counts it as present too), a version and a chart the
// directory lacks (kept, with Helm 2's checksum field), and a duplicate.
const olderIndex = `apiVersion: v1
generated: "2025-01-01T00:00:00Z"
entries:
  app:
  - name: app
    version: 1.0.0
    urls: [https://old.example.com/app-1.0.0.tgz]
    digest: olddigest
  - name: app
    version: 1.0.0+build.1
    urls: [https://old.example.com/app-1.0.0+build.1.tgz]
  - name: app
    version: 0.9.0
    urls: [https://old.example.com/app-0.9.0.tgz]
    checksum: sha1sum
    created: "2025-01-01T00:00:00Z"
  - name: app
    version: 0.9.0
    urls: [https://old.example.com/dup-0.9.0.tgz]
  gone:
  - name: gone
    version: 2.0.0
    description: only in the older index
    urls: [https://old.example.com/gone-2.0.0.tgz]
`

func TestWriteDirectoryIndexMerge(t *testing.T) {
	dir := t.TempDir()
	digest := writeArchive(t, dir, "app-1.0.0.tgz", "app", "1.0.0")
	mergeFrom := filepath.Join(t.TempDir(), "published.yaml")
	if err := os.WriteFile(mergeFrom, []byte(olderIndex), 0o600); err != nil {
		t.Fatal(err)
	}
	idx, out, err := repo.WriteDirectoryIndex(t.Context(), dir, repo.IndexOptions{URL: "https://new.example.com", Merge: mergeFrom, Now: indexTime})
	if err != nil {
		t.Fatal(err)
	}
	if out != filepath.Join(dir, "index.yaml") {
		t.Errorf("wrote %s", out)
	}
	written, err := repo.LoadIndexFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*repo.IndexFile{idx, written} {
		want := map[string][]string{
			"app": {
				"1.0.0 https://new.example.com/app-1.0.0.tgz digest ok " + indexTime.Format(time.RFC3339Nano),
				"0.9.0 https://old.example.com/app-0.9.0.tgz digest  2025-01-01T00:00:00Z",
			},
			"gone": {"2.0.0 https://old.example.com/gone-2.0.0.tgz digest  0001-01-01T00:00:00Z"},
		}
		if diff := cmp.Diff(want, entryLines(got, map[string]string{"app 1.0.0": digest})); diff != "" {
			t.Errorf("merged entries (-want +got):\n%s", diff)
		}
		if cs := got.Entries["app"][1].ChecksumDeprecated; cs != "sha1sum" {
			t.Errorf("older entry's checksum = %q, want it kept", cs)
		}
	}
}

func TestWriteDirectoryIndexMergeMissingJSON(t *testing.T) {
	dir := t.TempDir()
	writeArchive(t, dir, "app-1.0.0.tgz", "app", "1.0.0")
	missing := filepath.Join(t.TempDir(), "none.yaml")
	_, out, err := repo.WriteDirectoryIndex(t.Context(), dir, repo.IndexOptions{Merge: missing, JSON: true, Now: indexTime})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the missing --merge file was created: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("index.yaml is not JSON: %v\n%s", err, data)
	}
	idx, err := repo.LoadIndex(data)
	if err != nil || len(idx.Entries["app"]) != 1 || idx.Entries["app"][0].URLs[0] != "app-1.0.0.tgz" {
		t.Errorf("JSON index reads back as %+v, %v", idx, err)
	}
}

func TestWriteDirectoryIndexMergeInvalid(t *testing.T) {
	dir := t.TempDir()
	writeArchive(t, dir, "app-1.0.0.tgz", "app", "1.0.0")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("entries: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := repo.WriteDirectoryIndex(t.Context(), dir, repo.IndexOptions{Merge: bad})
	if !errors.Is(err, repo.ErrInvalidIndex) || !strings.Contains(err.Error(), bad) {
		t.Errorf("err = %v, want ErrInvalidIndex naming %s", err, bad)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("index.yaml written despite the failed merge: %v", err)
	}
}

// TestIndexedDirectoryServed serves an indexed directory over HTTPS with
// basic auth and fetches every chart through berth's client, which checks
// each archive against the index's digest.
func TestIndexedDirectoryServed(t *testing.T) {
	dir, _ := chartDir(t)
	srv := repotest.New(t, repotest.WithTLS(), repotest.WithBasicAuth("ann", "pw"))
	srv.ServeDir(dir)
	if _, _, err := repo.WriteDirectoryIndex(t.Context(), dir, repo.IndexOptions{}); err != nil {
		t.Fatal(err)
	}
	client, err := repo.NewClient(&repo.Entry{Name: "local", URL: srv.URL, CAFile: srv.CAFile, Username: "ann", Password: "pw"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	idx, _, err := client.FetchIndex(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	fetched := 0
	for _, versions := range idx.Entries {
		for _, cv := range versions {
			if _, err := client.DownloadChart(t.Context(), cv); err != nil {
				t.Errorf("download %s %s: %v", cv.Name, cv.Version, err)
			}
			fetched++
		}
	}
	if fetched != 6 {
		t.Errorf("fetched %d charts, want 6", fetched)
	}
}
