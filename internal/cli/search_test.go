package cli

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/repo"
)

// searchTestIndex is the repository of Helm's own search command tests
// (pkg/cmd/search_repo_test.go): alpine with two releases and a
// pre-release, and mariadb.
const searchTestIndex = `apiVersion: v1
entries:
  alpine:
  - name: alpine
    version: 0.1.0
    appVersion: 1.2.3
    description: Deploy a basic Alpine Linux pod
    urls: [alpine-0.1.0.tgz]
  - name: alpine
    version: 0.2.0
    appVersion: 2.3.4
    description: Deploy a basic Alpine Linux pod
    urls: [alpine-0.2.0.tgz]
  - name: alpine
    version: 0.3.0-rc.1
    appVersion: 3.0.0
    description: Deploy a basic Alpine Linux pod
    urls: [alpine-0.3.0-rc.1.tgz]
  mariadb:
  - name: mariadb
    version: 0.3.0
    description: Chart for MariaDB
    keywords: [mariadb, mysql, database, sql]
    urls: [mariadb-0.3.0.tgz]
`

// addSearchRepos writes a repositories file with the repositories of
// indexes, their indexes cached, and one more whose cache is missing when
// withMissing.
func addSearchRepos(t *testing.T, indexes map[string]string, missing ...string) {
	t.Helper()
	configPath, cacheDir := isolateRepoEnv(t)
	file := repo.NewFile()
	for name, index := range indexes {
		file.Set(&repo.Entry{Name: name, URL: "https://charts.example.com/" + name})
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(repo.IndexCachePath(cacheDir, name), []byte(index), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range missing {
		file.Set(&repo.Entry{Name: name, URL: "https://charts.example.com/" + name})
	}
	if err := file.Write(configPath); err != nil {
		t.Fatal(err)
	}
}

// helmTableHeader and the rows below are Helm's golden outputs for these
// searches (pkg/cmd/testdata/output/search-*.txt), tabs and padding kept.
const (
	helmTableHeader = "NAME          \tCHART VERSION\tAPP VERSION\tDESCRIPTION                    \n"
	alpine010       = "testing/alpine\t0.1.0        \t1.2.3      \tDeploy a basic Alpine Linux pod\n"
	alpine020       = "testing/alpine\t0.2.0        \t2.3.4      \tDeploy a basic Alpine Linux pod\n"
	alpineRC        = "testing/alpine\t0.3.0-rc.1   \t3.0.0      \tDeploy a basic Alpine Linux pod\n"
)

func TestSearchRepo(t *testing.T) {
	addSearchRepos(t, map[string]string{"testing": searchTestIndex})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"latest stable", []string{"alpine"}, helmTableHeader + alpine020},
		{"devel", []string{"alpine", "--devel"}, helmTableHeader + alpineRC},
		{"versions", []string{"alpine", "--versions"}, helmTableHeader + alpine020 + alpine010},
		{"constraint", []string{"alpine", "--version", ">= 0.1, < 0.2"}, helmTableHeader + alpine010},
		{"versions and constraint", []string{"alpine", "--versions", "--version", ">= 0.1, < 0.2"}, helmTableHeader + alpine010},
		{"constraint, highest", []string{"alpine", "--version", ">= 0.1"}, helmTableHeader + alpine020},
		{"constraint, every version", []string{"alpine", "-l", "--version", ">= 0.1"}, helmTableHeader + alpine020 + alpine010},
		{"not found", []string{"syzygy"}, "No results found\n"},
		{"regexp", []string{"alp[a-z]+", "--regexp"}, helmTableHeader + alpine020},
		{"keyword in keywords", []string{"mysql"}, "NAME           \tCHART VERSION\tAPP VERSION\tDESCRIPTION      \ntesting/mariadb\t0.3.0        \t           \tChart for MariaDB\n"},
		{"keywords joined", []string{"basic", "alpine"}, helmTableHeader + alpine020},
		{
			"cut cells",
			[]string{"alpine", "--max-col-width", "12"},
			"NAME        \tCHART VER...\tAPP VERSION\tDESCRIPTION \ntesting/a...\t0.2.0       \t2.3.4      \tDeploy a ...\n",
		},
		{"json", []string{"maria", "-o", "json"}, `[{"name":"testing/mariadb","version":"0.3.0","app_version":"","description":"Chart for MariaDB"}]`},
		{"yaml", []string{"alpine", "-o", "yaml"}, "- app_version: 2.3.4\n  description: Deploy a basic Alpine Linux pod\n  name: testing/alpine\n  version: 0.2.0\n"},
		{"json, nothing found", []string{"syzygy", "-o", "json"}, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want, got any = tt.want, mustRun(t, "", append([]string{"search", "repo"}, tt.args...)...)
			if slices.Contains(tt.args, "json") {
				want, got = parsedJSON(t, tt.want), parsedJSON(t, got.(string))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("berth search repo %s (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
		})
	}
}

// parsedJSON decodes s for a comparison that ignores spacing and key order.
func parsedJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return v
}

func TestSearchRepoFailures(t *testing.T) {
	addSearchRepos(t, map[string]string{"testing": searchTestIndex}, "stale")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
	}{
		{"no result, table", []string{"syzygy", "--fail-on-no-result"}, ExitError, []string{"Error: no results found"}},
		{"no result, json", []string{"syzygy", "-o", "json", "--fail-on-no-result"}, ExitError, []string{"Error: no results found"}},
		{"no result, yaml", []string{"syzygy", "-o", "yaml", "--fail-on-no-result"}, ExitError, []string{"Error: no results found"}},
		{"bad regexp", []string{"alp[", "--regexp"}, ExitUsage, []string{`--regexp "alp[": error parsing regexp`}},
		{"bad constraint", []string{"alpine", "--version", "x.y"}, ExitUsage, []string{`--version "x.y" is not a version or SemVer constraint`}},
		{"bad output", []string{"alpine", "-o", "wide"}, ExitUsage, []string{`invalid --output "wide"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runRegistryCLI(t, "", append([]string{"search", "repo"}, tt.args...)...)
			if code != tt.wantCode || stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and no output", code, stdout, tt.wantCode)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestSearchRepoMissingCache(t *testing.T) {
	addSearchRepos(t, map[string]string{"testing": searchTestIndex}, "stale")
	code, stdout, stderr := runRegistryCLI(t, "", "search", "repo", "alpine", "-o", "yaml")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var items []searchRepoItem
	if err := yaml.Unmarshal([]byte(stdout), &items); err != nil || len(items) != 1 || items[0].Name != "testing/alpine" {
		t.Errorf("results %v (%v), want testing/alpine", items, err)
	}
	if !strings.Contains(stderr, `Warning: repository "stale" has no cached index (`) || !strings.Contains(stderr, "run berth repo update stale") {
		t.Errorf("stderr does not warn about the stale repository:\n%s", stderr)
	}

	addSearchRepos(t, nil, "stale")
	code, _, stderr = runRegistryCLI(t, "", "search", "repo", "alpine")
	if code != ExitError || !strings.Contains(stderr, `repository "stale" has no cached index`) {
		t.Errorf("only a missing cache: exit %d, %s", code, stderr)
	}

	isolateRepoEnv(t)
	code, _, stderr = runRegistryCLI(t, "", "search", "repo")
	if code != ExitError || !strings.Contains(stderr, "no repositories: add one with berth repo add NAME URL") {
		t.Errorf("no repositories: exit %d, %s", code, stderr)
	}
}

func TestWriteHelmTable(t *testing.T) {
	rows := [][]string{{"NAME", "DESCRIPTION"}, {"a/日本", "twelve chars"}, {"b", "ñandú"}}
	tests := []struct {
		width uint
		want  string
	}{
		{0, "NAME  \tDESCRIPTION \na/日本\ttwelve chars\nb     \tñandú       \n"},
		{8, "NAME  \tDESCR...\na/日本\ttwelv...\nb     \tñandú   \n"},
		{4, "NAME\tD...\na...\tt...\nb   \tñ...\n"},
		{1, "N...\tD...\na...\tt...\nb\tñ...\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := writeHelmTable(&b, tt.width, rows); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, b.String()); diff != "" {
			t.Errorf("width %d (-want +got):\n%s", tt.width, diff)
		}
	}
}
