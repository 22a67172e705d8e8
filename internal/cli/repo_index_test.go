package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/repo"
)

func TestRepoIndex(t *testing.T) {
	isolateRepoEnv(t)
	dir := t.TempDir()
	writeChartArchive(t, dir, "app", "1.0.0")
	if err := os.Mkdir(filepath.Join(dir, "beta"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeChartArchive(t, filepath.Join(dir, "beta"), "app", "2.0.0-rc.1")
	writeChartArchive(t, dir, "db", "0.1.0")

	code, stdout, stderr := runRegistryCLI(t, "", "repo", "index", dir, "--url", "https://charts.example.com/")
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "index.yaml")
	if want := "Wrote " + out + ": 2 charts, 3 versions\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	idx, err := repo.LoadIndexFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range []string{"app", "db"} {
		for _, cv := range idx.Entries[name] {
			got = append(got, cv.Name+" "+cv.Version+" "+strings.Join(cv.URLs, ","))
		}
	}
	want := []string{
		"app 2.0.0-rc.1 https://charts.example.com/beta/app-2.0.0-rc.1.tgz",
		"app 1.0.0 https://charts.example.com/app-1.0.0.tgz",
		"db 0.1.0 https://charts.example.com/db-0.1.0.tgz",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("index entries (-want +got):\n%s", diff)
	}

	// Merge keeps what an older index has and the directory lacks.
	older := filepath.Join(t.TempDir(), "older.yaml")
	if err := os.WriteFile(older, []byte("apiVersion: v1\nentries:\n  old:\n  - name: old\n    version: 0.0.1\n    urls: [x.tgz]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "repo", "index", dir, "--merge", older, "--json")
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "{") {
		t.Fatalf("--json index: %v\n%s", err, data)
	}
	if idx, err = repo.LoadIndex(data); err != nil || len(idx.Entries["old"]) != 1 || len(idx.Entries["app"]) != 2 {
		t.Errorf("merged index: %v, entries %v", err, idx)
	}
}

func TestRepoIndexFailures(t *testing.T) {
	isolateRepoEnv(t)
	dir := t.TempDir()
	writeChartArchive(t, dir, "app", "1.0.0")
	bad := filepath.Join(dir, "bad-1.0.0.tgz")
	if err := os.WriteFile(bad, []byte("<html>not found</html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
	}{
		{"bad archive", []string{dir}, ExitError, []string{bad, "not a loadable chart archive", "not a gzipped archive"}},
		{"no directory", []string{filepath.Join(dir, "none")}, ExitError, []string{filepath.Join(dir, "none")}},
		{"no argument", nil, ExitUsage, []string{"DIR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runRegistryCLI(t, "", append([]string{"repo", "index"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d: %s", code, tt.wantCode, stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "index.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("index.yaml written despite the bad archive: %v", err)
	}
}
