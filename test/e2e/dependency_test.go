//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

// dependencyResult is the part of `berth dependency update|build -o json`
// the test checks.
type dependencyResult struct {
	LockWritten bool `json:"lockWritten"`
	Charts      []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Digest  string `json:"digest"`
	} `json:"charts"`
}

// TestDependenciesFromRepositoryAndRegistry resolves a chart's
// dependencies against a chart repository behind TLS and basic auth
// (added with repo add) and the local registry (TLS, htpasswd, logged in),
// then rebuilds charts/ from the lock and renders the whole chart.
func TestDependenciesFromRepositoryAndRegistry(t *testing.T) {
	s := newRegistrySession(t)
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		s.push(t, s.pack(t, v))
	}
	acme := repotest.New(t, repotest.WithBasicAuth("ci", "hunter2"), repotest.WithTLS())
	for _, v := range []string{"0.9.0", "1.0.0"} {
		acme.AddChart(t, repotest.Archive(t, "app", v))
	}
	repoFlags := []string{
		"--repository-config", filepath.Join(s.dir, "repositories.yaml"),
		"--repository-cache", filepath.Join(s.dir, "repository-cache"),
	}
	mustBerth(t, s.dir, "hunter2\n", append([]string{
		"repo", "add", "acme", acme.URL, "--username", "ci", "--password-stdin", "--ca-file", acme.CAFile,
	}, repoFlags...)...)

	parent := filepath.Join(s.dir, "parent")
	chartYAML := "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n" +
		"- name: app\n  version: ^1.0.0\n  repository: \"@acme\"\n" +
		"- name: web\n  version: ^1.0.0\n  repository: " + s.repo + "\n"
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "Chart.yaml"), []byte(chartYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	depFlags := append(repoFlags, s.flags()...)

	var updated dependencyResult
	decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"dependency", "update", "parent", "-o", "json"}, depFlags...)...), &updated)
	var got []string
	for _, c := range updated.Charts {
		got = append(got, c.Name+" "+c.Version)
	}
	if diff := cmp.Diff([]string{"app 1.0.0", "web 1.1.0"}, got); diff != "" || !updated.LockWritten {
		t.Errorf("dependency update wrote lock=%v, charts (-want +got):\n%s", updated.LockWritten, diff)
	}
	c, err := chart.LoadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	wantLocked := []*chart.Dependency{
		{Name: "app", Repository: acme.URL, Version: "1.0.0"},
		{Name: "web", Repository: s.repo, Version: "1.1.0"},
	}
	if diff := cmp.Diff(wantLocked, c.Lock.Dependencies); diff != "" {
		t.Errorf("Chart.lock dependencies (-want +got):\n%s", diff)
	}

	if err := os.RemoveAll(filepath.Join(parent, "charts")); err != nil {
		t.Fatal(err)
	}
	var built dependencyResult
	decodeJSON(t, mustBerth(t, s.dir, "", append([]string{"dependency", "build", "parent", "-o", "json"}, depFlags...)...), &built)
	if diff := cmp.Diff(updated.Charts, built.Charts); diff != "" {
		t.Errorf("dependency build fetched other archives than update (-update +build):\n%s", diff)
	}

	manifest := mustBerth(t, s.dir, "", "template", "rel", "parent")
	for _, want := range []string{"name: rel-app", "kind: Deployment"} {
		if !strings.Contains(manifest, want) {
			t.Errorf("template of the chart with its dependencies lacks %q:\n%s", want, manifest)
		}
	}
}
