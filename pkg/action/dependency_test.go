package action_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

var lockTime = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// depEnv is a chart repository (basic auth, added as "acme"), an OCI
// registry and a work directory holding the chart "parent" and a local
// chart "lib" next to it.
type depEnv struct {
	srv    *repotest.Server
	reg    *registry.Registry
	repos  *repo.File
	dir    string
	parent string
}

func newDepEnv(t *testing.T) *depEnv {
	t.Helper()
	e := &depEnv{srv: repotest.New(t, repotest.WithBasicAuth("ann", "pw")), reg: registry.New(t), dir: t.TempDir()}
	for _, v := range []string{"1.2.0", "1.2.5", "1.3.0"} {
		e.srv.AddChart(t, repotest.Archive(t, "app", v))
	}
	client, err := oci.NewClient(oci.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"2.0.0", "2.1.0", "3.0.0"} {
		if _, err := client.Push(t.Context(), repotest.Archive(t, "db", v), e.reg.Ref("charts"), oci.PushOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	e.repos = repo.NewFile()
	e.repos.Set(&repo.Entry{Name: "acme", URL: e.srv.URL, Username: "ann", Password: "pw"})
	writeFiles(t, filepath.Join(e.dir, "lib"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n"})
	e.parent = filepath.Join(e.dir, "parent")
	e.writeChart(t, "~1.2")
	return e
}

// writeChart writes parent's Chart.yaml with app's constraint.
func (e *depEnv) writeChart(t *testing.T, appVersion string) {
	t.Helper()
	writeFiles(t, e.parent, map[string]string{"Chart.yaml": `apiVersion: v2
name: parent
version: 0.1.0
dependencies:
- name: app
  version: "` + appVersion + `"
  repository: "@acme"
- name: db
  version: ^2.0.0
  repository: ` + e.reg.Ref("charts") + `
- name: lib
  version: ">=0.1.0"
  repository: file://../lib
`})
}

func (e *depEnv) deps(t *testing.T) *action.Dependencies {
	t.Helper()
	return &action.Dependencies{
		ChartPath: e.parent, Repositories: e.repos, CacheDir: filepath.Join(e.dir, "cache"),
		Registry: func() (*oci.Client, error) { return oci.NewClient(oci.Options{PlainHTTP: true}) },
		Now:      func() time.Time { return lockTime },
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// chartsDir lists charts/ with each archive's chart name and version.
func chartsDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "charts"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		line := e.Name()
		if c, err := chart.LoadFile(filepath.Join(dir, "charts", e.Name())); err == nil {
			line += " = " + c.Name() + " " + c.Metadata.Version
		}
		out = append(out, line)
	}
	return out
}

func TestDependencyUpdateAndBuild(t *testing.T) {
	e := newDepEnv(t)
	stale := filepath.Join(e.parent, "charts", "app-1.0.0.tgz")
	writeFiles(t, filepath.Join(e.parent, "charts", "unrelated"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: unrelated\nversion: 1.0.0\n"})
	if err := os.WriteFile(stale, repotest.Archive(t, "app", "1.0.0"), 0o600); err != nil {
		t.Fatal(err)
	}

	res, err := e.deps(t).Update(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := []string{"app-1.2.5.tgz = app 1.2.5", "db-2.1.0.tgz = db 2.1.0", "lib-0.1.0.tgz = lib 0.1.0", "unrelated"}
	if diff := cmp.Diff(wantCharts, chartsDir(t, e.parent)); diff != "" {
		t.Errorf("charts/ after update (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{stale}, res.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	locked := []*chart.Dependency{
		{Name: "app", Repository: e.srv.URL, Version: "1.2.5"},
		{Name: "db", Repository: e.reg.Ref("charts"), Version: "2.1.0"},
		{Name: "lib", Repository: "file://../lib", Version: "0.1.0"},
	}
	req := []*chart.Dependency{
		{Name: "app", Repository: e.srv.URL, Version: "~1.2"},
		{Name: "db", Repository: e.reg.Ref("charts"), Version: "^2.0.0"},
		{Name: "lib", Repository: "file://../lib", Version: ">=0.1.0"},
	}
	digest, err := chart.LockDigest(req, locked)
	if err != nil {
		t.Fatal(err)
	}
	wantLock := &chart.Lock{Generated: lockTime, Digest: digest, Dependencies: locked}
	loaded, err := chart.LoadDir(e.parent)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantLock, loaded.Lock); diff != "" {
		t.Errorf("Chart.lock (-want +got):\n%s", diff)
	}
	if !res.LockWritten {
		t.Error("LockWritten = false on the first update")
	}
	appArchive := readFile(t, filepath.Join(e.parent, "charts", "app-1.2.5.tgz"))

	// Nothing changed: the lock is left alone.
	res, err = e.deps(t).Update(t.Context())
	if err != nil || res.LockWritten {
		t.Fatalf("second update: written=%v, %v", res != nil && res.LockWritten, err)
	}

	// A newer matching version appears; build keeps to the lock.
	e.srv.AddChart(t, repotest.Archive(t, "app", "1.2.9"))
	if err := os.RemoveAll(filepath.Join(e.parent, "charts")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.deps(t).Build(t.Context()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCharts[:3], chartsDir(t, e.parent)); diff != "" {
		t.Errorf("charts/ after build (-want +got):\n%s", diff)
	}
	if !bytes.Equal(appArchive, readFile(t, filepath.Join(e.parent, "charts", "app-1.2.5.tgz"))) {
		t.Error("build downloaded another app-1.2.5.tgz than update")
	}

	// Chart.yaml changes: the lock is out of date.
	e.writeChart(t, "~1.3")
	_, err = e.deps(t).Build(t.Context())
	if !errors.Is(err, action.ErrLockOutOfDate) || !strings.Contains(err.Error(), "run berth dependency update "+e.parent) {
		t.Fatalf("build with an outdated lock = %v, want ErrLockOutOfDate naming the fix", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDependencyUpdateErrorsLeaveChartsAlone(t *testing.T) {
	e := newDepEnv(t)
	tests := []struct {
		name       string
		dependency string
		repos      *repo.File
		want       []string
		wantErr    error
	}{
		{
			"repository needs credentials",
			"- name: app\n  version: ~1.2\n  repository: " + e.srv.URL + "\n",
			repo.NewFile(),
			[]string{"dependency app (" + e.srv.URL + ")", "fetch index (" + e.srv.URL + "/index.yaml): unauthorized"},
			repo.ErrUnauthorized,
		},
		{
			"no such repository name",
			"- name: app\n  version: ~1.2\n  repository: \"@nope\"\n",
			e.repos,
			[]string{"no repository added for @nope: add it with berth repo add"},
			nil,
		},
		{
			"repository is not a URL",
			"- name: app\n  version: ~1.2\n  repository: stable\n",
			e.repos,
			[]string{`repository "stable" (dependency app) is not a URL`},
			nil,
		},
		{
			"no matching version",
			"- name: app\n  version: ~4.0\n  repository: \"@acme\"\n",
			e.repos,
			[]string{"no version of \"app\" matches ~4.0 (available: 1.3.0, 1.2.5, 1.2.0)"},
			repo.ErrNoChart,
		},
		{
			"no matching registry tag",
			"- name: db\n  version: ~9.0\n  repository: " + e.reg.Ref("charts") + "\n",
			e.repos,
			[]string{"no version matches ~9.0", "3.0.0"},
			oci.ErrNotFound,
		},
		{
			"name with path elements",
			"- name: ../app\n  version: ~1.2\n  repository: \"@acme\"\n",
			e.repos,
			[]string{`dependency "../app": a chart name must not be empty or contain path elements`},
			nil,
		},
		{
			"local chart of another version",
			"- name: lib\n  version: ^1.0.0\n  repository: file://../lib\n",
			e.repos,
			[]string{"the chart's version 0.1.0 does not satisfy ^1.0.0"},
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeFiles(t, e.parent, map[string]string{
				"Chart.yaml":               "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n" + tt.dependency,
				"charts/keep-me-1.0.0.tgz": string(repotest.Archive(t, "keep-me", "1.0.0")),
			})
			d := e.deps(t)
			d.Repositories = tt.repos
			_, err := d.Update(t.Context())
			if err == nil {
				t.Fatal("update succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if diff := cmp.Diff([]string{"keep-me-1.0.0.tgz = keep-me 1.0.0"}, chartsDir(t, e.parent)); diff != "" {
				t.Errorf("a failed update changed charts/ (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(filepath.Join(e.parent, "Chart.lock")); err == nil {
				t.Error("a failed update wrote Chart.lock")
			}
		})
	}
}

func TestDependencyV1Chart(t *testing.T) {
	e := newDepEnv(t)
	v1 := filepath.Join(e.dir, "old")
	writeFiles(t, v1, map[string]string{
		"Chart.yaml":        "apiVersion: v1\nname: old\nversion: 0.1.0\n",
		"requirements.yaml": "dependencies:\n- name: app\n  version: 1.2.0\n  repository: \"@acme\"\n",
	})
	d := e.deps(t)
	d.ChartPath = v1
	if _, err := d.Update(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(v1, "requirements.lock")); err != nil {
		t.Fatalf("requirements.lock: %v", err)
	}
	if _, err := os.Stat(filepath.Join(v1, "Chart.lock")); err == nil {
		t.Error("a v1 chart got a Chart.lock")
	}

	// A lock written by Helm 2 carries the digest of requirements.yaml
	// alone; build accepts it.
	legacy, err := chart.LegacyLockDigest([]*chart.Dependency{{Name: "app", Version: "1.2.0", Repository: "@acme"}})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, v1, map[string]string{"requirements.lock": "dependencies:\n- name: app\n  repository: " + e.srv.URL +
		"\n  version: 1.2.0\ndigest: " + legacy + "\ngenerated: \"2019-01-01T00:00:00Z\"\n"})
	if _, err := d.Build(t.Context()); err != nil {
		t.Errorf("build from a Helm 2 lock: %v", err)
	}
}

func TestListDependencies(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: parent
version: 0.1.0
dependencies:
- {name: ok, version: ~1.0, repository: "https://example.com"}
- {name: wrong, version: ~2.0, repository: "https://example.com"}
- {name: many, version: "*", repository: "https://example.com"}
- {name: misnamed, version: "*", repository: "https://example.com"}
- {name: unpacked, version: ^0.1.0}
- {name: gone, version: 1.0.0, repository: "https://example.com"}
`,
		"charts/ok-1.0.3.tgz":        string(repotest.Archive(t, "ok", "1.0.3")),
		"charts/wrong-1.0.0.tgz":     string(repotest.Archive(t, "wrong", "1.0.0")),
		"charts/many-1.0.0.tgz":      string(repotest.Archive(t, "many", "1.0.0")),
		"charts/many-1.1.0.tgz":      string(repotest.Archive(t, "many", "1.1.0")),
		"charts/misnamed-1.0.0.tgz":  string(repotest.Archive(t, "other", "1.0.0")),
		"charts/unpacked/Chart.yaml": "apiVersion: v2\nname: unpacked\nversion: 0.1.2\n",
		"charts/stray-1.0.0.tgz":     string(repotest.Archive(t, "stray", "1.0.0")),
	})
	list, err := action.ListDependencies(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range list.Dependencies {
		got = append(got, d.Name+": "+d.Status)
	}
	want := []string{
		"ok: ok", "wrong: wrong version", "many: too many matches", "misnamed: misnamed",
		"unpacked: unpacked", "gone: missing",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	slices.Sort(list.Warnings)
	wantWarnings := []string{
		filepath.Join(dir, "charts", "misnamed-1.0.0.tgz") + " is not a declared dependency",
		filepath.Join(dir, "charts", "stray-1.0.0.tgz") + " is not a declared dependency",
	}
	if diff := cmp.Diff(wantWarnings, list.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestCheckLockAcceptsHelmLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "parent")
	chartYAML := string(readFile(t, filepath.Join("testdata", "dependency-helm", "Chart.yaml")))
	writeFiles(t, dir, map[string]string{
		"Chart.yaml": chartYAML,
		"Chart.lock": string(readFile(t, filepath.Join("testdata", "dependency-helm", "Chart.lock"))),
	})
	repos := repo.NewFile()
	repos.Set(&repo.Entry{Name: "acme", URL: "http://127.0.0.1:18080"})
	d := &action.Dependencies{ChartPath: dir, Repositories: repos}
	if err := d.CheckLock(); err != nil {
		t.Fatalf("CheckLock of Helm's lock: %v", err)
	}

	writeFiles(t, dir, map[string]string{"Chart.yaml": strings.Replace(chartYAML, "~1.2", "~1.3", 1)})
	if err := d.CheckLock(); !errors.Is(err, action.ErrLockOutOfDate) {
		t.Errorf("CheckLock after changing a constraint = %v, want ErrLockOutOfDate", err)
	}
	if err := os.Remove(filepath.Join(dir, "Chart.lock")); err != nil {
		t.Fatal(err)
	}
	if err := d.CheckLock(); !errors.Is(err, action.ErrNoLock) {
		t.Errorf("CheckLock without a lock = %v, want ErrNoLock", err)
	}
}

func TestDependencyUpdateUnaddedTLSRepository(t *testing.T) {
	srv := repotest.New(t, repotest.WithTLS(), repotest.WithBasicAuth("ci", "pw"))
	srv.AddChart(t, repotest.Archive(t, "app", "1.0.0"))
	dir := filepath.Join(t.TempDir(), "parent")
	writeFiles(t, dir, map[string]string{"Chart.yaml": "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n" +
		"- name: app\n  version: 1.0.0\n  repository: " + srv.URL + "/\n"})
	d := &action.Dependencies{ChartPath: dir, Now: func() time.Time { return lockTime }}
	if _, err := d.Update(t.Context()); !errors.Is(err, repo.ErrTLS) {
		t.Fatalf("update without the CA = %v, want ErrTLS", err)
	}
	d.Unadded = repo.Entry{CAFile: srv.CAFile, Username: "ci", Password: "pw", Name: "ignored", URL: "ignored"}
	res, err := d.Update(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []*chart.Dependency{{Name: "app", Repository: srv.URL + "/", Version: "1.0.0"}}
	if diff := cmp.Diff(want, res.Lock.Dependencies); diff != "" {
		t.Errorf("locked (-want +got):\n%s", diff)
	}
}
