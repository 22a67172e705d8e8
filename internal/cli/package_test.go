package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/chart"
)

func TestPackage(t *testing.T) {
	dest := t.TempDir()
	code, stdout, stderr := run(t, "package", "testdata/show/shop", "-d", dest)
	if code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	path := filepath.Join(dest, "shop-1.0.0.tgz")
	if diff := cmp.Diff(path+"\n", stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chart.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Dependencies()); got != 1 {
		t.Errorf("packed chart has %d subcharts, want db", got)
	}

	// Packing again replaces the archive with the same bytes.
	if code, _, stderr := run(t, "package", "testdata/show/shop", "-d", dest); code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("packing the same chart twice gave different archives")
	}
}

func TestPackageOverridesAndJSON(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "dist")
	code, stdout, stderr := run(t, "package", "testdata/show/shop", "-d", dest,
		"--version", "1.1.0-rc.1", "--app-version", "3.2", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	var got packageResult
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("-o json: %v\n%s", err, stdout)
	}
	want := packageResult{Path: filepath.Join(dest, "shop-1.1.0-rc.1.tgz"), Name: "shop", Version: "1.1.0-rc.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-o json (-want +got):\n%s", diff)
	}
	c, err := chart.Load(want.Path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Version != "1.1.0-rc.1" || c.Metadata.AppVersion != "3.2" {
		t.Errorf("packed version %q appVersion %q, want the flags' values", c.Metadata.Version, c.Metadata.AppVersion)
	}
	onDisk, err := chart.Load("testdata/show/shop")
	if err != nil {
		t.Fatal(err)
	}
	if onDisk.Metadata.Version != "1.0.0" {
		t.Errorf("package changed Chart.yaml on disk: version %q", onDisk.Metadata.Version)
	}
}

func TestPackageErrors(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "x.tgz")
	if err := os.WriteFile(archive, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no chart", []string{"package"}, ExitUsage, `"berth package" needs CHART`},
		{
			"bad version",
			[]string{"package", "testdata/show/shop", "--version", "one"},
			ExitUsage,
			`invalid --version "one"`,
		},
		{"archive", []string{"package", archive}, ExitUsage, "only chart directories can be packaged"},
		{"missing", []string{"package", "testdata/nope"}, ExitError, "package chart: stat testdata/nope"},
		{
			"dependency not vendored",
			[]string{"package", "testdata/package/needs-dep", "-d", t.TempDir()},
			ExitError,
			`package chart "needs-dep": found in Chart.yaml, but missing in charts/ directory: redis`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on error", stdout)
			}
		})
	}
}
