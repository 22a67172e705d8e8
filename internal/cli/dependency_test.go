package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// writeParentChart writes a chart depending on app from the repository
// "acme" and on db from the registry, and returns its directory.
func writeParentChart(t *testing.T, dir, appVersion, registryRef string) string {
	t.Helper()
	parent := filepath.Join(dir, "parent")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	chartYAML := "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n" +
		"- name: app\n  version: \"" + appVersion + "\"\n  repository: \"@acme\"\n" +
		"- name: db\n  version: ^2.0.0\n  repository: " + registryRef + "\n"
	if err := os.WriteFile(filepath.Join(parent, "Chart.yaml"), []byte(chartYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	return parent
}

func TestDependencyCommands(t *testing.T) {
	isolateRepoEnv(t)
	acme := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	for _, v := range []string{"1.2.0", "1.2.4", "1.3.0"} {
		acme.AddChart(t, repotest.Archive(t, "app", v))
	}
	reg := registry.New(t)
	src := t.TempDir()
	for _, v := range []string{"2.0.0", "2.2.0"} {
		mustRun(t, "", "push", writeChartArchive(t, src, "db", v), reg.Ref("charts"), "--plain-http")
	}
	mustRun(t, "pw\n", "repo", "add", "acme", acme.URL, "--username", "ann", "--password-stdin")
	parent := writeParentChart(t, t.TempDir(), "~1.2", reg.Ref("charts"))

	var rows [][]string
	for line := range strings.Lines(mustRun(t, "", "dependency", "list", parent)) {
		rows = append(rows, strings.Fields(line))
	}
	want := [][]string{
		{"NAME", "VERSION", "REPOSITORY", "STATUS"},
		{"app", "~1.2", "@acme", "missing"},
		{"db", "^2.0.0", reg.Ref("charts"), "missing"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("dependency list before update (-want +got):\n%s", diff)
	}

	var res action.DependencyResult
	out := mustRun(t, "", "dependency", "update", parent, "--plain-http", "-o", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("dependency update -o json: %v\n%s", err, out)
	}
	var got []string
	for _, c := range res.Charts {
		got = append(got, c.Name+" "+c.Version+" "+filepath.Base(c.Path))
	}
	if diff := cmp.Diff([]string{"app 1.2.4 app-1.2.4.tgz", "db 2.2.0 db-2.2.0.tgz"}, got); diff != "" {
		t.Errorf("charts saved (-want +got):\n%s", diff)
	}
	if !res.LockWritten || res.LockFile != filepath.Join(parent, "Chart.lock") {
		t.Errorf("lock: written=%v file=%s", res.LockWritten, res.LockFile)
	}

	var list action.DependencyList
	if err := json.Unmarshal([]byte(mustRun(t, "", "dependency", "list", parent, "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	for _, d := range list.Dependencies {
		if d.Status != action.DependencyOK {
			t.Errorf("after update, %s is %q", d.Name, d.Status)
		}
	}

	if err := os.RemoveAll(filepath.Join(parent, "charts")); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "", "dependency", "build", parent, "--plain-http")
	for _, w := range []string{"Saved app 1.2.4 to charts/app-1.2.4.tgz (sha256:", "Saved db 2.2.0 to charts/db-2.2.0.tgz", "Built from " + res.LockFile} {
		if !strings.Contains(out, w) {
			t.Errorf("dependency build output lacks %q:\n%s", w, out)
		}
	}

	writeParentChart(t, filepath.Dir(parent), "~1.3", reg.Ref("charts"))
	code, _, stderr := runRegistryCLI(t, "", "dependency", "build", parent, "--plain-http")
	if code != ExitError || !strings.Contains(stderr, "out of sync") || !strings.Contains(stderr, "run berth dependency update "+parent) {
		t.Errorf("build with an outdated lock: exit %d\n%s", code, stderr)
	}
}

func TestDependencyUpdateUnaddedRepository(t *testing.T) {
	isolateRepoEnv(t)
	acme := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	acme.AddChart(t, repotest.Archive(t, "app", "1.0.0"))
	parent := filepath.Join(t.TempDir(), "parent")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	chartYAML := "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: app\n  version: 1.0.0\n  repository: " + acme.URL + "\n"
	if err := os.WriteFile(filepath.Join(parent, "Chart.yaml"), []byte(chartYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runRegistryCLI(t, "", "dependency", "update", parent)
	if code != ExitError || !strings.Contains(stderr, "dependency app ("+acme.URL+"): fetch index ("+acme.URL+"/index.yaml): unauthorized") {
		t.Errorf("without credentials: exit %d\n%s", code, stderr)
	}
	mustRun(t, "pw\n", "dependency", "update", parent, "--username", "ann", "--password-stdin")
	c, err := chart.LoadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Dependencies()) != 1 || c.Lock == nil || c.Lock.Dependencies[0].Version != "1.0.0" {
		t.Errorf("after update: %d subcharts, lock %+v", len(c.Dependencies()), c.Lock)
	}
}
