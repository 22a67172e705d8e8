package repo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestRoot(t *testing.T) {
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, "go.mod"), "module github.com/berth-sh/berth\n\ngo 1.26.0\n")
	write(t, filepath.Join(tmp, "hack/tools/kube/go.mod"), "module github.com/berth-sh/berth/hack/tools/kube\n")
	write(t, filepath.Join(tmp, "pkg/kube/doc.go"), "package kube\n")
	write(t, filepath.Join(tmp, "other/go.mod"), "// comment\nmodule \"example.com/other\"\n")
	tests := []struct {
		start string
		want  string
	}{
		{start: tmp, want: tmp},
		{start: filepath.Join(tmp, "pkg/kube"), want: tmp},
		{start: filepath.Join(tmp, "hack/tools/kube"), want: tmp}, // nested module: keep walking
		{start: filepath.Join(tmp, "other"), want: tmp},
	}
	for _, tt := range tests {
		got, err := Root(tt.start)
		if err != nil {
			t.Errorf("Root(%s): %v", tt.start, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Root(%s) = %s, want %s", tt.start, got, tt.want)
		}
	}
}

func TestRootNotFound(t *testing.T) {
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, "go.mod"), "module example.com/elsewhere\n")
	if _, err := Root(tmp); !errors.Is(err, ErrNoRoot) {
		t.Errorf("Root outside the repository: got %v, want ErrNoRoot", err)
	}
}

func TestBinDir(t *testing.T) {
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, "go.mod"), "module github.com/berth-sh/berth\n")
	write(t, filepath.Join(tmp, "test/e2e/doc.go"), "package e2e\n")
	t.Chdir(filepath.Join(tmp, "test/e2e"))

	t.Setenv(EnvBinDir, "")
	got, err := BinDir()
	if err != nil || got != filepath.Join(tmp, "bin") {
		t.Errorf("BinDir() = %q, %v; want %q", got, err, filepath.Join(tmp, "bin"))
	}
	t.Setenv(EnvBinDir, "/opt/k8s/bin")
	got, err = BinDir()
	if err != nil || got != "/opt/k8s/bin" {
		t.Errorf("BinDir() with %s set = %q, %v; want /opt/k8s/bin", EnvBinDir, got, err)
	}
}

func TestRequire(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "etcd"), "#!/bin/sh\n")
	if err := os.Symlink(filepath.Join(dir, "deleted-cache/kube-apiserver"), filepath.Join(dir, "kube-apiserver")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "kwok"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinDir, "")

	if err := Require(dir, "etcd"); err != nil {
		t.Errorf("Require(etcd) = %v, want nil", err)
	}
	err := Require(dir, "etcd", "kube-apiserver", "kwok", "kube-scheduler")
	var missing *MissingError
	if !errors.As(err, &missing) {
		t.Fatalf("Require = %v, want *MissingError", err)
	}
	if diff := cmp.Diff([]string{"kube-apiserver", "kwok", "kube-scheduler"}, missing.Names); diff != "" {
		t.Errorf("missing names (-want +got):\n%s", diff)
	}
	for _, part := range []string{"kube-apiserver, kwok, kube-scheduler", dir, EnvBinDir, "make tools", "hack/tools/build.sh"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
}
