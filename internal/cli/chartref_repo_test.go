package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-sh/berth/internal/testenv/tree"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// TestChartFromRepository: every command that takes a CHART takes
// REPO/NAME of an added repository and NAME with --repo URL, and gets
// what it gets from the same chart as a local archive.
func TestChartFromRepository(t *testing.T) {
	isolateRepoEnv(t)
	srv := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	archives := map[string]string{}
	dir := t.TempDir()
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-rc.1"} {
		archives[v] = writeChartArchive(t, dir, "web", v)
		data, err := os.ReadFile(archives[v])
		if err != nil {
			t.Fatal(err)
		}
		srv.AddChart(t, data)
	}
	mustRun(t, "pw\n", "repo", "add", "acme", srv.URL, "--username", "ann", "--password-stdin")

	same := []struct {
		name    string
		args    []string
		version string
	}{
		{"template highest", []string{"template", "rel", "acme/web"}, "1.1.0"},
		{"template constraint", []string{"template", "rel", "acme/web", "--version", "~1.0"}, "1.0.0"},
		{"template devel", []string{"template", "rel", "acme/web", "--devel"}, "2.0.0-rc.1"},
		{"template --repo", []string{"template", "rel", "web", "--repo", srv.URL, "--username", "ann", "--password", "pw"}, "1.1.0"},
		{"show chart", []string{"show", "chart", "acme/web"}, "1.1.0"},
		{"show values --repo", []string{"show", "values", "web", "--repo", srv.URL + "/", "--username", "ann", "--password", "pw", "--version", "1.0.0"}, "1.0.0"},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			got := mustRun(t, "", tt.args...)
			// Both "template rel CHART" and "show chart CHART" have CHART third.
			local := []string{tt.args[0], tt.args[1], archives[tt.version]}
			if want := mustRun(t, "", local...); got != want {
				t.Errorf("berth %s printed\n%s\nwant (from %s)\n%s", strings.Join(tt.args, " "), got, archives[tt.version], want)
			}
		})
	}

	t.Run("pull --untar", func(t *testing.T) {
		dest := t.TempDir()
		out := mustRun(t, "", "pull", "acme/web", "--version", "1.0.0", "--untar", "-d", dest, "--untardir", "vendor")
		if !strings.Contains(out, "Pulled: acme/web") {
			t.Errorf("pull printed %q", out)
		}
		data, err := os.ReadFile(filepath.Join(dest, "vendor", "web", "Chart.yaml"))
		if err != nil || !strings.Contains(string(data), "version: 1.0.0") {
			t.Errorf("unpacked Chart.yaml: %v\n%s", err, data)
		}
	})

	errs := []struct {
		name string
		args []string
		want []string
	}{
		{"--repo without credentials", []string{"template", "rel", "web", "--repo", srv.URL}, []string{"unauthorized", "credentials"}},
		{"not added", []string{"template", "rel", "other/web"}, []string{`repository "other" is not added`, "berth repo add other"}},
		{
			"no such version",
			[]string{"install", "rel", "acme/web", "--version", "3.0.0", "--dry-run"},
			[]string{"no version of \"web\" matches 3.0.0", "berth repo update acme"},
		},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runRegistryCLI(t, "", tt.args...)
			if code != ExitError {
				t.Errorf("exit %d, want %d", code, ExitError)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}

	// A version published after the last repo update is found only after
	// the next one, as in Helm.
	srv.AddChart(t, readFile(t, writeChartArchive(t, dir, "web", "1.2.0")))
	if code, _, stderr := runRegistryCLI(t, "", "template", "rel", "acme/web", "--version", "1.2.0"); code != ExitError ||
		!strings.Contains(stderr, "berth repo update acme") {
		t.Errorf("before repo update: exit %d\n%s", code, stderr)
	}
	mustRun(t, "", "repo", "update", "acme")
	mustRun(t, "", "template", "rel", "acme/web", "--version", "1.2.0")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDependencyUpdateFlag: a chart directory whose dependency (from an
// added repository) is not in charts/ is refused with what to do, and
// rendered once --dependency-update fetched it.
func TestDependencyUpdateFlag(t *testing.T) {
	isolateRepoEnv(t)
	srv := repotest.New(t)
	srv.AddChart(t, repotest.Archive(t, "lib", "1.2.0"))
	mustRun(t, "", "repo", "add", "acme", srv.URL)
	dir := filepath.Join(t.TempDir(), "app")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.x\n  repository: \"@acme\"\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-app\n",
	})
	code, _, stderr := runRegistryCLI(t, "", "template", "rel", dir)
	if code != ExitError || !strings.Contains(stderr, "missing in charts/ directory: lib") || !strings.Contains(stderr, "--dependency-update") {
		t.Fatalf("missing dependency: exit %d\n%s", code, stderr)
	}
	out := mustRun(t, "", "template", "rel", dir, "--dependency-update")
	if !strings.Contains(out, "name: rel-app") || !strings.Contains(out, "name: rel-lib") {
		t.Errorf("--dependency-update did not render the dependency:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "charts", "lib-1.2.0.tgz")); err != nil {
		t.Errorf("charts/lib-1.2.0.tgz: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.lock")); err != nil {
		t.Errorf("Chart.lock: %v", err)
	}
}

// TestPackageDependencyUpdate: package -u fetches the dependencies first,
// as helm package -u does, and packs them.
func TestPackageDependencyUpdate(t *testing.T) {
	isolateRepoEnv(t)
	srv := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	srv.AddChart(t, repotest.Archive(t, "lib", "1.2.0"))
	dir := filepath.Join(t.TempDir(), "app")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: lib\n  version: 1.x\n  repository: " + srv.URL + "\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-app\n",
	})
	out := t.TempDir()
	if code, _, stderr := runRegistryCLI(t, "", "package", dir, "-d", out); code != ExitError || !strings.Contains(stderr, "lib") {
		t.Fatalf("package without the dependency: exit %d\n%s", code, stderr)
	}
	path := strings.TrimSpace(mustRun(t, "", "package", dir, "-d", out, "-u", "--username", "ann", "--password", "pw"))
	rendered := mustRun(t, "", "template", "rel", path)
	if !strings.Contains(rendered, "name: rel-lib") {
		t.Errorf("the packed archive lacks the dependency:\n%s", rendered)
	}
}
