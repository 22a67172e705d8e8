package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/repo"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// isolateRepoEnv points the repositories file, the index cache, docker's
// config and the user cache at temporary directories, and returns the
// repositories file and cache paths.
func isolateRepoEnv(t *testing.T) (configPath, cacheDir string) {
	t.Helper()
	isolateRegistryEnv(t)
	dir := t.TempDir()
	configPath, cacheDir = filepath.Join(dir, "config", "repositories.yaml"), filepath.Join(dir, "cache")
	t.Setenv(repo.EnvRepositoryConfig, configPath)
	t.Setenv(repo.EnvRepositoryCache, cacheDir)
	t.Setenv(repo.EnvHelmRepositoryConfig, "")
	t.Setenv(repo.EnvHelmRepositoryCache, "")
	return configPath, cacheDir
}

func TestRepoCommands(t *testing.T) {
	configPath, cacheDir := isolateRepoEnv(t)
	acme := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	acme.AddChart(t, repotest.Archive(t, "app", "1.0.0"))
	other := repotest.New(t)
	other.AddChart(t, repotest.Archive(t, "web", "1.0.0"))
	other.AddChart(t, repotest.Archive(t, "db", "1.0.0"))

	out := mustRun(t, "pw\n", "repo", "add", "acme", acme.URL, "--username", "ann", "--password-stdin")
	if want := "\"acme\" has been added to your repositories (1 charts)\n"; out != want {
		t.Errorf("repo add output = %q, want %q", out, want)
	}
	fi, err := os.Stat(configPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("repositories file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if _, err := os.Stat(repo.IndexCachePath(cacheDir, "acme")); err != nil {
		t.Errorf("index not cached: %v", err)
	}
	mustRun(t, "", "repo", "add", "other", other.URL, "-o", "json")

	// The same settings again: nothing to do. Other settings: refused
	// without --force-update.
	out = mustRun(t, "pw\n", "repo", "add", "acme", acme.URL, "--username", "ann", "--password-stdin")
	if !strings.Contains(out, "already exists with the same settings") {
		t.Errorf("re-adding the same repository: %q", out)
	}
	code, _, stderr := runRegistryCLI(t, "", "repo", "add", "acme", other.URL)
	if code != ExitError || !strings.Contains(stderr, "use --force-update to replace it") {
		t.Errorf("re-adding with another URL: exit %d, %s", code, stderr)
	}

	out = mustRun(t, "", "repo", "list")
	wantTable := "NAME    URL\nacme    " + acme.URL + "\nother   " + other.URL + "\n"
	if diff := cmp.Diff(wantTable, out); diff != "" {
		t.Errorf("repo list (-want +got):\n%s", diff)
	}
	var items []repoListItem
	if err := json.Unmarshal([]byte(mustRun(t, "", "repo", "list", "-o", "json")), &items); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]repoListItem{{"acme", acme.URL}, {"other", other.URL}}, items); diff != "" {
		t.Errorf("repo list -o json (-want +got):\n%s", diff)
	}

	var updated []repoUpdateItem
	if err := json.Unmarshal([]byte(mustRun(t, "", "repo", "update", "-o", "json")), &updated); err != nil {
		t.Fatal(err)
	}
	wantUpdated := []repoUpdateItem{{Name: "acme", URL: acme.URL, Charts: 1}, {Name: "other", URL: other.URL, Charts: 2}}
	if diff := cmp.Diff(wantUpdated, updated); diff != "" {
		t.Errorf("repo update -o json (-want +got):\n%s", diff)
	}

	mustRun(t, "", "repo", "add", "other", acme.URL, "--force-update", "--username", "ann", "--password", "pw")
	out = mustRun(t, "", "repo", "update", "other")
	if diff := cmp.Diff("NAME    STATUS    CHARTS\nother   updated   1\n", out); diff != "" {
		t.Errorf("repo update other (-want +got):\n%s", diff)
	}

	code, _, stderr = runRegistryCLI(t, "", "repo", "remove", "acme", "nope")
	if code != ExitError || !strings.Contains(stderr, `no such repository: "nope"`) {
		t.Errorf("remove with an unknown name: exit %d, %s", code, stderr)
	}
	mustRun(t, "", "repo", "remove", "acme", "other")
	if _, err := os.Stat(repo.IndexCachePath(cacheDir, "acme")); err == nil {
		t.Error("remove left the cached index")
	}
	if out := mustRun(t, "", "repo", "list", "-o", "json"); out != "[]\n" {
		t.Errorf("repo list -o json after removing all = %q", out)
	}
}

func TestRepoUpdateReportsFailures(t *testing.T) {
	configPath, _ := isolateRepoEnv(t)
	good := repotest.New(t)
	bad := repotest.New(t)
	f := repo.NewFile()
	f.Set(&repo.Entry{Name: "good", URL: good.URL})
	f.Set(&repo.Entry{Name: "bad", URL: bad.URL + "/gone"})
	if err := f.Write(configPath); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runRegistryCLI(t, "", "repo", "update")
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if want := "NAME   STATUS    CHARTS\ngood   updated   0\nbad    failed    -\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	for _, w := range []string{`fetch index of repository "bad" (` + bad.URL + `/gone/index.yaml): not found`, "could not update bad"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	code, _, stderr = runRegistryCLI(t, "", "repo", "update", "nope")
	if code != ExitError || !strings.Contains(stderr, `no such repository: "nope"`) {
		t.Errorf("update of an unknown name: exit %d, %s", code, stderr)
	}
}

func TestRepoAddErrors(t *testing.T) {
	configPath, _ := isolateRepoEnv(t)
	auth := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	tlsRepo := repotest.New(t, repotest.WithTLS())
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		want     []string
	}{
		{
			"wrong password", "nope\n",
			[]string{"acme", auth.URL, "--username", "ann", "--password-stdin"},
			ExitError,
			[]string{`fetch index of repository "acme" (` + auth.URL + `/index.yaml): unauthorized`, "check the repository's credentials"},
		},
		{
			"no credentials", "",
			[]string{"acme", auth.URL},
			ExitError,
			[]string{"unauthorized", "add it with --username and --password-stdin"},
		},
		{
			"no index at the URL", "",
			[]string{"acme", tlsRepo.URL + "/charts", "--ca-file", tlsRepo.CAFile},
			ExitError,
			[]string{tlsRepo.URL + "/charts/index.yaml): not found", "there is no index.yaml at this URL"},
		},
		{
			"unknown CA", "",
			[]string{"acme", tlsRepo.URL},
			ExitError,
			[]string{"TLS connection failed", "--ca-file"},
		},
		{"OCI URL", "", []string{"acme", "oci://ghcr.io/acme"}, ExitUsage, []string{"is an OCI registry", "berth registry login"}},
		{"slash in name", "", []string{"a/b", auth.URL}, ExitUsage, []string{"contains a slash"}},
		{"username without password", "", []string{"acme", auth.URL, "--username", "ann"}, ExitUsage, []string{"--password-stdin"}},
		{"missing URL", "", []string{"acme"}, ExitUsage, []string{"missing URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runRegistryCLI(t, tt.stdin, append([]string{"repo", "add"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s", code, tt.wantCode, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
	if _, err := os.Stat(configPath); err == nil {
		if f, err := repo.LoadFile(configPath); err != nil || len(f.Repositories) != 0 {
			t.Errorf("failed adds left repositories: %+v, %v", f, err)
		}
	}
	mustRun(t, "", "repo", "add", "secure", tlsRepo.URL, "--ca-file", tlsRepo.CAFile)
}
