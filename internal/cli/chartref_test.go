package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
)

// pushStarterChart creates berth's starter chart named name, packs it and
// pushes it to reg under charts/, returning the archive's path.
func pushStarterChart(t *testing.T, reg *registry.Registry, name string) string {
	t.Helper()
	dir, err := chart.Create(name, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return pushChartDir(t, reg, dir)
}

// pushChartDir packs the chart directory dir and pushes it to reg under
// charts/, returning the archive's path.
func pushChartDir(t *testing.T, reg *registry.Registry, dir string) string {
	t.Helper()
	c, err := chart.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := chart.Save(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	client, err := oci.NewClient(oci.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.PushFile(t.Context(), archive, reg.Ref("charts")); err != nil {
		t.Fatalf("push %s: %v", archive, err)
	}
	return archive
}

func TestChartRefFromRegistry(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t)
	archive := pushStarterChart(t, reg, "web")
	ref := reg.Ref("charts/web")

	local, err := chart.Load(archive)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		ociArgs   []string
		localArgs []string
	}{
		{
			"template",
			[]string{"template", "rel", ref, "--version", "0.1.0", "--plain-http"},
			[]string{"template", "rel", archive},
		},
		{
			"template constraint",
			[]string{"template", "rel", ref, "--version", "~0.1", "--plain-http", "--set", "replicaCount=3"},
			[]string{"template", "rel", archive, "--set", "replicaCount=3"},
		},
		{
			"template tag",
			[]string{"template", "rel", ref + ":" + local.Metadata.Version, "--plain-http"},
			[]string{"template", "rel", archive},
		},
		{
			"show chart",
			[]string{"show", "chart", ref, "--version", "0.1.0", "--plain-http"},
			[]string{"show", "chart", archive},
		},
		{
			"show all latest",
			[]string{"show", "all", ref, "--plain-http"},
			[]string{"show", "all", archive},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustRun(t, "", tt.localArgs...)
			got := mustRun(t, "", tt.ociArgs...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("berth %s (-local +oci):\n%s", strings.Join(tt.ociArgs, " "), diff)
			}
		})
	}
	if out := mustRun(t, "", "show", "chart", ref, "--plain-http"); !strings.Contains(out, "name: web\n") ||
		!strings.Contains(out, "version: "+local.Metadata.Version+"\n") {
		t.Errorf("show chart %s prints no Chart.yaml:\n%s", ref, out)
	}
}

func TestLoadChartRefErrors(t *testing.T) {
	isolateRegistryEnv(t)
	reg := registry.New(t)
	archive := pushStarterChart(t, reg, "web")
	f := NewFactory(IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}})
	flags := func(version string) *chartRefFlags {
		return &chartRefFlags{version: version, registry: registryFlags{PlainHTTP: true}}
	}

	_, err := flags("9.9.9").load(t.Context(), f, reg.Ref("charts/web"))
	if !errors.Is(err, oci.ErrNotFound) || !strings.Contains(err.Error(), "0.1.0") {
		t.Errorf("missing version: err = %v, want oci.ErrNotFound listing 0.1.0", err)
	}
	_, err = flags("^9").load(t.Context(), f, reg.Ref("charts/web"))
	if !errors.Is(err, oci.ErrNotFound) || !strings.Contains(err.Error(), "0.1.0") {
		t.Errorf("unmatched constraint: err = %v, want oci.ErrNotFound listing 0.1.0", err)
	}

	// Helm ignores --version for a local chart; so does berth.
	c, err := flags("9.9.9").load(t.Context(), f, archive)
	if err != nil || c.Metadata.Version != "0.1.0" {
		t.Errorf("--version with a local path: %v, %v; want the archive's chart", c, err)
	}
	for _, args := range [][]string{
		{"template", "rel", archive, "--version", "9.9.9"},
		{"show", "values", archive, "--version", "9.9.9"},
	} {
		if code, _, stderr := runRegistryCLI(t, "", args...); code != 0 {
			t.Errorf("berth %s: exit %d, want 0\n%s", strings.Join(args, " "), code, stderr)
		}
	}
}

func TestInstallUpgradeFromRegistry(t *testing.T) {
	isolateRegistryEnv(t)
	conn := clusterArgs(t)
	reg := registry.New(t)
	pushChartDir(t, reg, releaseChart(t))
	ref := reg.Ref("charts/web")

	out := runOK(t, append([]string{"install", "web", ref, "--version", "1.2.3", "--plain-http"}, conn...)...)
	for _, want := range []string{"STATUS: deployed", "REVISION: 1", "ConfigMap/" + conn[3] + "/web-first created"} {
		if !strings.Contains(out, want) {
			t.Errorf("install from %s: output lacks %q:\n%s", ref, want, out)
		}
	}
	out = runOK(t, append([]string{"diff", "upgrade", "web", ref, "--version", "^1", "--plain-http", "--set", "second=false"}, conn...)...)
	if !strings.Contains(out, "ConfigMap/"+conn[3]+"/web-second") || !strings.Contains(out, "0 to change, 0 to create, 1 to delete") {
		t.Errorf("diff upgrade from %s: output lacks the removal of web-second:\n%s", ref, out)
	}
	out = runOK(t, append([]string{"upgrade", "web", ref, "--version", "^1", "--plain-http", "--set", "second=false"}, conn...)...)
	for _, want := range []string{"STATUS: deployed", "REVISION: 2", "ConfigMap/" + conn[3] + "/web-second deleted"} {
		if !strings.Contains(out, want) {
			t.Errorf("upgrade from %s: output lacks %q:\n%s", ref, want, out)
		}
	}
	code, _, stderr := run(t, append([]string{"upgrade", "web", ref, "--version", "2.0.0", "--plain-http"}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "not found") || !strings.Contains(stderr, "1.2.3") {
		t.Errorf("upgrade to a missing version: exit %d, want %d with a not-found error listing 1.2.3\n%s", code, ExitError, stderr)
	}
}
