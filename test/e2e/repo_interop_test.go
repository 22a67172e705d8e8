//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// These tests check berth's repo index and search repo against Helm
// v4.3.1 both ways: Helm reads what berth indexes, berth reads what Helm
// indexes, and both write the same index of the same directory.

// interopChart packs a chart with metadata md (and a ConfigMap showing
// the chart, the release and a value) into dir/file.
func interopChart(t *testing.T, dir, file string, md chart.Metadata) {
	t.Helper()
	md.APIVersion = chart.APIVersionV2
	ch := &chart.Chart{
		Metadata: &md,
		Templates: []*chart.File{{
			Name: "templates/configmap.yaml",
			Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\ndata:\n" +
				"  chart: {{ .Chart.Name }}-{{ .Chart.Version }}\n  app: {{ .Chart.AppVersion | quote }}\n  greeting: {{ .Values.greeting }}\n"),
		}},
		RawValues: []byte("greeting: hello from " + md.Name + " " + md.Version + "\n"),
	}
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, ch); err != nil {
		t.Fatalf("pack %s: %v", file, err)
	}
	path := filepath.Join(dir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// interopChartDir is a repository directory: charts with several versions,
// pre-releases, keywords, long and wide-character descriptions, a 0.0.0
// (which no search without --version shows), archives one level down, and
// the real chart archives of ../shared (bitnami, kong, cert-manager with a
// "v" version, ...).
func interopChartDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	long := "A web server that serves static files and proxies everything else to the backends"
	for _, c := range []struct {
		file string
		md   chart.Metadata
	}{
		{"web-1.0.0.tgz", chart.Metadata{Name: "web", Version: "1.0.0", AppVersion: "1.25", Description: long, Keywords: []string{"http", "nginx"}}},
		{"web-1.1.0.tgz", chart.Metadata{Name: "web", Version: "1.1.0", AppVersion: "1.26", Description: long, Keywords: []string{"http", "nginx"}}},
		{"beta/web-2.0.0-rc.1.tgz", chart.Metadata{Name: "web", Version: "2.0.0-rc.1", AppVersion: "2.0", Description: "The next web server"}},
		{"stable/db-0.1.0.tgz", chart.Metadata{Name: "db", Version: "0.1.0", Description: "数据库 chart, テスト用", Keywords: []string{"sql"}}},
		{"stable/proxy-3.2.1.tgz", chart.Metadata{Name: "proxy", Version: "3.2.1", AppVersion: "v3", Description: "Fronts the web tier", Keywords: []string{"web"}}},
		{"tools-0.0.0.tgz", chart.Metadata{Name: "tools", Version: "0.0.0", Description: "never shown by default"}},
		{"tools-0.0.1.tgz", chart.Metadata{Name: "tools", Version: "0.0.1", Description: "Tools, for the web"}},
	} {
		interopChart(t, dir, c.file, c.md)
	}
	shared := sharedDir(t)
	for _, sub := range []string{"", "vendor"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	archives, err := filepath.Glob(filepath.Join(shared, "corpus*", "charts", "*", "charts", "*.tgz"))
	if err != nil || len(archives) < 5 {
		t.Fatalf("real chart archives in %s: %v, %v", shared, archives, err)
	}
	for i, a := range archives {
		data, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		sub := []string{"", "vendor"}[i%2]
		if err := os.WriteFile(filepath.Join(dir, sub, filepath.Base(a)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// interopSession is a berth and a helm with their own repositories file
// and cache, both added the same repository.
type interopSession struct {
	home string
}

func newInteropSession(t *testing.T) interopSession {
	t.Helper()
	return interopSession{home: t.TempDir()}
}

func (s interopSession) repoFlags(tool string) []string {
	return []string{
		"--repository-config", filepath.Join(s.home, tool, "repositories.yaml"),
		"--repository-cache", filepath.Join(s.home, tool, "cache"),
	}
}

func (s interopSession) berth(t *testing.T, args ...string) berthRun {
	t.Helper()
	return runBerth(t, s.home, "", append(args, s.repoFlags("berth")...)...)
}

func (s interopSession) helm(t *testing.T, args ...string) berthRun {
	t.Helper()
	return runHelm(t, s.home, append(args, s.repoFlags("helm")...)...)
}

func mustSucceed(t *testing.T, tool string, run berthRun, args ...string) string {
	t.Helper()
	if run.ExitCode != 0 {
		t.Fatalf("%s %s: exit %d\nstdout:\n%s\nstderr:\n%s", tool, strings.Join(args, " "), run.ExitCode, run.Stdout, run.Stderr)
	}
	return run.Stdout
}

// addRepo adds the repository at url to both tools, with credentials and
// a CA file when they are set.
func (s interopSession) addRepo(t *testing.T, name string, srv *repotest.Server, user, password string) {
	t.Helper()
	args := []string{"repo", "add", name, srv.URL}
	if srv.CAFile != "" {
		args = append(args, "--ca-file", srv.CAFile)
	}
	helmArgs, berthArgs := args, args
	if user != "" {
		helmArgs = append(append([]string{}, args...), "--username", user, "--password", password)
		berthArgs = append(append([]string{}, args...), "--username", user, "--password", password)
	}
	mustSucceed(t, "helm", s.helm(t, helmArgs...), helmArgs...)
	mustSucceed(t, "berth", s.berth(t, berthArgs...), berthArgs...)
}

// searches are the search repo command lines compared between the tools.
var searches = [][]string{
	{},
	{"web"},
	{"WEB"},
	{"nginx"},
	{"web", "--devel"},
	{"web", "--versions"},
	{"--versions", "--devel"},
	{"web", "--version", "~1.0"},
	{"--version", ">=0.0.0"},
	{"tools", "--versions", "--version", "*"},
	{"--regexp", "^[a-p]"},
	{"--regexp", "b$"},
	{"local/"},
	{"数据库"},
	{"the", "web"},
	{"--max-col-width", "20"},
	{"--max-col-width", "0"},
	{"--max-col-width", "3", "db"},
	{"ingress"},
	{"syzygy"},
	{"common", "-o", "yaml"},
}

// compareSearches runs every search with both tools: the same table byte
// for byte, and the same JSON results.
func (s interopSession) compareSearches(t *testing.T) {
	t.Helper()
	for _, args := range searches {
		cmd := append([]string{"search", "repo"}, args...)
		helmOut := mustSucceed(t, "helm", s.helm(t, cmd...), cmd...)
		berthOut := mustSucceed(t, "berth", s.berth(t, cmd...), cmd...)
		if diff := cmp.Diff(helmOut, berthOut); diff != "" {
			t.Errorf("search repo %s: berth's output differs from helm's (-helm +berth):\n%s", strings.Join(args, " "), diff)
		}
		if strings.Contains(strings.Join(args, " "), "-o") {
			continue
		}
		jsonCmd := append(cmd, "-o", "json")
		var helmJSON, berthJSON []map[string]string
		decodeJSON(t, mustSucceed(t, "helm", s.helm(t, jsonCmd...), jsonCmd...), &helmJSON)
		decodeJSON(t, mustSucceed(t, "berth", s.berth(t, jsonCmd...), jsonCmd...), &berthJSON)
		if diff := cmp.Diff(helmJSON, berthJSON); diff != "" {
			t.Errorf("search repo %s -o json (-helm +berth):\n%s", strings.Join(args, " "), diff)
		}
	}
	cmd := []string{"search", "repo", "syzygy", "--fail-on-no-result"}
	h, b := s.helm(t, cmd...), s.berth(t, cmd...)
	if h.ExitCode != 1 || b.ExitCode != 1 || !strings.Contains(b.Stderr, "Error: no results found") {
		t.Errorf("--fail-on-no-result: helm exit %d, berth exit %d (%s); want 1 for both", h.ExitCode, b.ExitCode, b.Stderr)
	}
}

// TestRepoIndexReadByHelm: the index berth repo index writes is read by
// helm repo add, helm search repo finds what berth search repo finds, and
// helm pulls the charts it lists, over HTTP with relative URLs and over
// HTTPS with basic auth and absolute URLs (--url).
func TestRepoIndexReadByHelm(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https with basic auth"}[secure], func(t *testing.T) {
			dir := interopChartDir(t)
			srv, user, password := repotest.New(t), "", ""
			indexArgs := []string{"repo", "index", dir}
			if secure {
				user, password = "ann", "s3cret"
				srv = repotest.New(t, repotest.WithTLS(), repotest.WithBasicAuth(user, password))
				indexArgs = append(indexArgs, "--url", srv.URL)
			}
			srv.ServeDir(dir)
			s := newInteropSession(t)
			mustSucceed(t, "berth", s.berth(t, indexArgs...), indexArgs...)
			s.addRepo(t, "local", srv, user, password)
			s.compareSearches(t)

			dest := t.TempDir()
			for _, ref := range [][]string{{"local/web"}, {"local/db"}, {"local/web", "--version", "2.0.0-rc.1"}, {"local/cert-manager"}} {
				pull := append([]string{"pull"}, ref...)
				pull = append(pull, "-d", dest)
				if user != "" {
					pull = append(pull, "--ca-file", srv.CAFile)
				}
				mustSucceed(t, "helm", s.helm(t, pull...), pull...)
			}
			for _, want := range []string{"web-1.1.0.tgz", "db-0.1.0.tgz", "web-2.0.0-rc.1.tgz", "cert-manager-v1.16.2.tgz"} {
				if !fileExists(filepath.Join(dest, want)) {
					t.Errorf("helm pull did not write %s", want)
				}
			}
		})
	}
}

// TestHelmIndexReadByBerth: the index helm repo index writes is read by
// berth repo add (over HTTPS with basic auth), berth search repo finds what
// helm search repo finds, and berth template REPO/NAME --version
// CONSTRAINT renders what helm template renders.
func TestHelmIndexReadByBerth(t *testing.T) {
	dir := interopChartDir(t)
	s := newInteropSession(t)
	mustSucceed(t, "helm", s.helm(t, "repo", "index", dir), "repo", "index", dir)
	srv := repotest.New(t, repotest.WithTLS(), repotest.WithBasicAuth("bob", "pa55"))
	srv.ServeDir(dir)
	s.addRepo(t, "acme", srv, "bob", "pa55")
	s.compareSearches(t)

	for _, ref := range [][]string{
		{"acme/web", "--version", "~1.0"},
		{"acme/web", "--version", "^2.0.0-0"},
		{"acme/web", "--devel"},
		{"acme/db"},
		{"acme/proxy", "--version", ">=3 <4"},
	} {
		tpl := append([]string{"template", "rel", ref[0]}, ref[1:]...)
		want := mustSucceed(t, "helm", s.helm(t, tpl...), tpl...)
		got := mustSucceed(t, "berth", s.berth(t, tpl...), tpl...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("berth %s differs from helm's (-helm +berth):\n%s", strings.Join(tpl, " "), diff)
		}
		if !strings.Contains(got, "chart: "+strings.TrimPrefix(ref[0], "acme/")+"-") {
			t.Errorf("berth %s rendered no chart:\n%s", strings.Join(tpl, " "), got)
		}
	}

	// And installed from it on the cluster, at the version the constraint
	// picks, with the digest helm's index gives.
	ns := namespace(t, newClient(t))
	install := []string{"install", "web", "acme/web", "--version", "~1.0", "-n", ns, "--kubeconfig", kubeconfigPath(t), "-o", "json"}
	out := mustSucceed(t, "berth", s.berth(t, install...), install...)
	if !strings.Contains(out, `"status": "deployed"`) || !strings.Contains(out, `"chart": "web-1.`) {
		t.Errorf("berth install acme/web --version ~1.0 from helm's index:\n%s", out)
	}
}

// olderChartDir is what a repository published before: versions the new
// directory also has (web 1.0.0 with another archive, and 1.1.0 with build
// metadata, which Helm counts as the same version), a version and a chart
// the new directory lacks.
func olderChartDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []struct {
		file string
		md   chart.Metadata
	}{
		{"web-1.0.0.tgz", chart.Metadata{Name: "web", Version: "1.0.0", Description: "the first build of 1.0.0"}},
		{"web-1.1.0+build.1.tgz", chart.Metadata{Name: "web", Version: "1.1.0+build.1", Description: "built before"}},
		{"web-0.9.0.tgz", chart.Metadata{Name: "web", Version: "0.9.0", Description: "old"}},
		{"old/gone-4.0.0.tgz", chart.Metadata{Name: "gone", Version: "4.0.0", Description: "only published before"}},
	} {
		interopChart(t, dir, c.file, c.md)
	}
	return dir
}

// indexTimes matches the times that differ between two runs.
var indexTimes = regexp.MustCompile(`(?m)^(\s*"?(?:created|generated)"?: ).*$`)

// TestRepoIndexMergeMatchesHelm: berth repo index --merge and helm repo
// index --merge of the same directory and the same older index write the
// same index: the same entries as parsed YAML, and the same bytes once the
// times are masked; in YAML and in JSON.
func TestRepoIndexMergeMatchesHelm(t *testing.T) {
	s := newInteropSession(t)
	older := olderChartDir(t)
	mustSucceed(t, "helm", s.helm(t, "repo", "index", older, "--url", "https://old.example.com/charts"), "repo", "index", older)
	published := filepath.Join(older, "index.yaml")
	for _, asJSON := range []bool{false, true} {
		t.Run(map[bool]string{false: "yaml", true: "json"}[asJSON], func(t *testing.T) {
			berthDir, helmDir := interopChartDir(t), t.TempDir()
			if err := os.CopyFS(helmDir, os.DirFS(berthDir)); err != nil {
				t.Fatal(err)
			}
			args := []string{"--url", "https://new.example.com/charts/", "--merge", published}
			if asJSON {
				args = append(args, "--json")
			}
			mustSucceed(t, "berth", s.berth(t, append([]string{"repo", "index", berthDir}, args...)...), "repo", "index", berthDir)
			mustSucceed(t, "helm", s.helm(t, append([]string{"repo", "index", helmDir}, args...)...), "repo", "index", helmDir)
			berthIndex, helmIndex := readIndex(t, berthDir), readIndex(t, helmDir)
			if diff := cmp.Diff(parseIndex(t, helmIndex), parseIndex(t, berthIndex)); diff != "" {
				t.Errorf("merged index (-helm +berth):\n%s", diff)
			}
			if diff := cmp.Diff(indexTimes.ReplaceAllString(helmIndex, "${1}T"), indexTimes.ReplaceAllString(berthIndex, "${1}T")); diff != "" {
				t.Errorf("merged index bytes, times masked (-helm +berth):\n%s", diff)
			}
			entries := parseIndex(t, berthIndex)["entries"].(map[string]any)
			if got := len(entries["web"].([]any)); got != 4 {
				t.Errorf("web has %d versions, want 2.0.0-rc.1, 1.1.0, 1.0.0 (the new archive) and 0.9.0", got)
			}
			if entries["gone"] == nil {
				t.Errorf("the chart only the older index has was dropped")
			}
		})
	}
}

func readIndex(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// parseIndex decodes an index (YAML or JSON) without its times.
func parseIndex(t *testing.T, data string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("parse index: %v", err)
	}
	delete(doc, "generated")
	entries, _ := doc["entries"].(map[string]any)
	for _, versions := range entries {
		for _, v := range versions.([]any) {
			delete(v.(map[string]any), "created")
		}
	}
	return doc
}
