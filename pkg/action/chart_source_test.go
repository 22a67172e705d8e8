package action_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/repo"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// sourceEnv is a chart repository "acme" (basic auth) with web 1.0.0,
// 1.1.0 and 2.0.0-beta.1, added to a repositories file whose index is
// cached, and a locator for it.
type sourceEnv struct {
	srv      *repotest.Server
	archives map[string][]byte
	locator  *action.ChartLocator
	cacheDir string
}

func newSourceEnv(t *testing.T) *sourceEnv {
	t.Helper()
	e := &sourceEnv{srv: repotest.New(t, repotest.WithBasicAuth("ann", "pw")), archives: map[string][]byte{}, cacheDir: t.TempDir()}
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1"} {
		e.archives[v] = repotest.Archive(t, "web", v)
		e.srv.AddChart(t, e.archives[v])
	}
	repos := repo.NewFile()
	entry := &repo.Entry{Name: "acme", URL: e.srv.URL, Username: "ann", Password: "pw"}
	repos.Set(entry)
	client, err := repo.NewClient(entry, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateCache(t.Context(), e.cacheDir); err != nil {
		t.Fatal(err)
	}
	e.locator = &action.ChartLocator{
		Repositories: func() (*repo.File, error) { return repos, nil },
		CacheDir:     e.cacheDir,
		UserAgent:    "test",
	}
	return e
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestLocateRepositoryChart(t *testing.T) {
	e := newSourceEnv(t)
	tests := []struct {
		name    string
		req     action.ChartRequest
		version string
	}{
		{"highest release", action.ChartRequest{Ref: "acme/web"}, "1.1.0"},
		{"constraint", action.ChartRequest{Ref: "acme/web", Version: "~1.0.0"}, "1.0.0"},
		{"exact", action.ChartRequest{Ref: "acme/web", Version: "1.0.0"}, "1.0.0"},
		{"devel", action.ChartRequest{Ref: "acme/web", Devel: true}, "2.0.0-beta.1"},
		{"devel ignored with a version", action.ChartRequest{Ref: "acme/web", Devel: true, Version: "^1"}, "1.1.0"},
		{"exact pre-release", action.ChartRequest{Ref: "acme/web", Version: "2.0.0-beta.1"}, "2.0.0-beta.1"},
		{"--repo", action.ChartRequest{
			Ref: "web", RepoURL: e.srv.URL, Version: "1.0.x",
			Repo: repo.Entry{Username: "ann", Password: "pw"},
		}, "1.0.0"},
		{"archive URL", action.ChartRequest{Ref: e.srv.URL + "/charts/web-1.0.0.tgz"}, "1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc, err := e.locator.Locate(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if lc.Version != tt.version || lc.Chart.Metadata.Version != tt.version {
				t.Errorf("version %s (chart %s), want %s", lc.Version, lc.Chart.Metadata.Version, tt.version)
			}
			if want := digestOf(e.archives[tt.version]); lc.Digest != want {
				t.Errorf("digest %s, want %s", lc.Digest, want)
			}
			if lc.ArchiveName != "web-"+tt.version+".tgz" {
				t.Errorf("archive name %q", lc.ArchiveName)
			}
		})
	}
}

func TestLocateRepositoryChartErrors(t *testing.T) {
	e := newSourceEnv(t)
	missingDir := filepath.Join(t.TempDir(), "nothing")
	tests := []struct {
		name string
		req  action.ChartRequest
		is   error
		want []string
	}{
		{
			"not added",
			action.ChartRequest{Ref: "other/web"},
			action.ErrChartNotFound,
			[]string{`repository "other" is not added`, "berth repo add other URL"},
		},
		{
			"no such chart",
			action.ChartRequest{Ref: "acme/db"},
			repo.ErrNoChart,
			[]string{`"db"`, `repository "acme"`, "berth repo update acme"},
		},
		{
			"no matching version",
			action.ChartRequest{Ref: "acme/web", Version: "^3"},
			repo.ErrNoChart,
			[]string{"available: 2.0.0-beta.1, 1.1.0, 1.0.0", "berth repo update acme"},
		},
		{
			"bare name",
			action.ChartRequest{Ref: "web"},
			action.ErrChartNotFound,
			[]string{"REPO/NAME", "--repo URL", "oci://"},
		},
		{"missing path", action.ChartRequest{Ref: missingDir}, action.ErrChartNotFound, []string{missingDir, "does not exist"}},
		{"missing nested path", action.ChartRequest{Ref: "charts/web/x"}, action.ErrChartNotFound, []string{`"charts/web/x"`, "path does not exist"}},
		{"missing relative path", action.ChartRequest{Ref: "./web"}, action.ErrChartNotFound, []string{`"./web"`}},
		{
			"--repo without credentials",
			action.ChartRequest{Ref: "web", RepoURL: e.srv.URL},
			repo.ErrUnauthorized,
			[]string{e.srv.URL, "credentials"},
		},
		{"verify a directory", action.ChartRequest{Ref: t.TempDir(), Verify: true}, nil, []string{"cannot be verified"}},
		{
			"verify unsigned",
			action.ChartRequest{Ref: "acme/web", Verify: true},
			repo.ErrNotFound,
			[]string{"web-1.1.0.tgz.prov", "not signed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.locator.Locate(t.Context(), tt.req)
			if err == nil {
				t.Fatal("located, want an error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestLocateRepositoryChartWithoutCachedIndex(t *testing.T) {
	e := newSourceEnv(t)
	if err := os.Remove(repo.IndexCachePath(e.cacheDir, "acme")); err != nil {
		t.Fatal(err)
	}
	_, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: "acme/web"})
	if err == nil || !strings.Contains(err.Error(), "no cached index of repository \"acme\"") ||
		!strings.Contains(err.Error(), "berth repo update acme") {
		t.Errorf("err = %v, want the missing index named with repo update", err)
	}
}

// TestLocateChecksIndexDigest: an archive that is not the one the index
// names is refused, and is not cached.
func TestLocateChecksIndexDigest(t *testing.T) {
	e := newSourceEnv(t)
	e.srv.AddFile("charts/web-1.1.0.tgz", e.archives["1.0.0"])
	_, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: "acme/web"})
	if !errors.Is(err, repo.ErrDigestMismatch) {
		t.Fatalf("err = %v, want ErrDigestMismatch", err)
	}
	e.srv.AddFile("charts/web-1.1.0.tgz", e.archives["1.1.0"])
	if _, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: "acme/web"}); err != nil {
		t.Fatalf("after the repository was fixed: %v", err)
	}
}

// TestLocateCachesArchivesByDigest: a chart located twice is downloaded
// once; a damaged cache entry is downloaded again.
func TestLocateCachesArchivesByDigest(t *testing.T) {
	e := newSourceEnv(t)
	downloads := func() int {
		return len(slices.DeleteFunc(e.srv.Requests(), func(p string) bool { return p != "/charts/web-1.1.0.tgz" }))
	}
	for range 2 {
		if _, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: "acme/web"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := downloads(); n != 1 {
		t.Fatalf("downloaded %d times, want once", n)
	}
	d := strings.TrimPrefix(digestOf(e.archives["1.1.0"]), "sha256:")
	if err := os.WriteFile(filepath.Join(e.cacheDir, "content", "blobs", "sha256", d), []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	lc, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: "acme/web"})
	if err != nil {
		t.Fatal(err)
	}
	if n := downloads(); n != 2 || lc.Chart.Metadata.Version != "1.1.0" {
		t.Errorf("after damage: %d downloads, version %s; want 2 and 1.1.0", n, lc.Chart.Metadata.Version)
	}
}

// TestLocateLocalIgnoresVersion: --version means nothing for a local chart,
// and Helm ignores it.
func TestLocateLocalIgnoresVersion(t *testing.T) {
	e := newSourceEnv(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "web-1.0.0.tgz")
	if err := os.WriteFile(archive, e.archives["1.0.0"], 0o644); err != nil {
		t.Fatal(err)
	}
	lc, err := e.locator.Locate(t.Context(), action.ChartRequest{Ref: archive, Version: "9.9.9"})
	if err != nil {
		t.Fatal(err)
	}
	if lc.Kind != action.SourceLocal || lc.Version != "1.0.0" || lc.Digest != digestOf(e.archives["1.0.0"]) {
		t.Errorf("got %s %s %s", lc.Kind, lc.Version, lc.Digest)
	}
	unpacked, err := chart.Expand(bytes.NewReader(e.archives["1.0.0"]), dir)
	if err != nil {
		t.Fatal(err)
	}
	lc, err = e.locator.Locate(t.Context(), action.ChartRequest{Ref: unpacked, Version: "9.9.9"})
	if err != nil {
		t.Fatal(err)
	}
	if lc.Kind != action.SourceLocal || lc.Version != "1.0.0" || lc.Digest != "" {
		t.Errorf("directory: got %s %s digest %q, want local 1.0.0 without a digest", lc.Kind, lc.Version, lc.Digest)
	}
}
