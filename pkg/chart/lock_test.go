package chart

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// helmParentChart and helmParentLock are a chart and the Chart.lock Helm
// v4.3.1 wrote for it (`helm dependency update parent` with the sub chart
// at ../sub, version 1.2.3); every optional dependency field is set so
// that the digest covers Dependency's whole JSON form.
const (
	helmParentChart = `apiVersion: v2
name: parent
version: 0.1.0
dependencies:
- name: sub
  version: "~1.2"
  repository: file://../sub
  condition: sub.enabled
  tags: [a, b]
  alias: mysub
  import-values:
  - child: foo
    parent: bar
  - data
`
	helmParentLock = `dependencies:
- name: sub
  repository: file://../sub
  version: 1.2.3
digest: sha256:256ffeadd61c2217771fef450cafc9c04a33b8f4b6b9550c310b3f1838cc5387
generated: "2026-11-22T08:22:43.277982985Z"
`
)

func TestLockDigestMatchesHelm(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ChartfileName), helmParentChart)
	writeFile(t, filepath.Join(dir, LockfileName), helmParentLock)
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LockDigest(c.Metadata.Dependencies, c.Lock.Dependencies)
	if err != nil {
		t.Fatal(err)
	}
	if got != c.Lock.Digest {
		t.Errorf("LockDigest = %s, Helm wrote %s", got, c.Lock.Digest)
	}
}

func TestWriteLockIsHelmsFormat(t *testing.T) {
	dir := t.TempDir()
	lock := &Lock{
		Generated:    time.Date(2026, 11, 22, 8, 22, 43, 277982985, time.UTC),
		Digest:       "sha256:256ffeadd61c2217771fef450cafc9c04a33b8f4b6b9550c310b3f1838cc5387",
		Dependencies: []*Dependency{{Name: "sub", Repository: "file://../sub", Version: "1.2.3"}},
	}
	if err := WriteLock(dir, APIVersionV2, lock); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, LockfileName))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(helmParentLock, string(got)); diff != "" {
		t.Errorf("Chart.lock (-want +got):\n%s", diff)
	}
	if err := WriteLock(dir, APIVersionV1, lock); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, RequirementsLockName)); err != nil {
		t.Errorf("v1 chart: %v", err)
	}
}

func TestWriteLockRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere")
	writeFile(t, target, "keep")
	if err := os.Symlink(target, filepath.Join(dir, LockfileName)); err != nil {
		t.Fatal(err)
	}
	err := WriteLock(dir, APIVersionV2, &Lock{})
	if err == nil {
		t.Fatal("WriteLock through a symbolic link succeeded")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target was overwritten: %q", b)
	}
}

func TestLegacyLockDigest(t *testing.T) {
	req := []*Dependency{{Name: "sub", Version: "1.0.0", Repository: "https://example.com/charts"}}
	// `sha256sum` of {"dependencies":[{"name":"sub","version":"1.0.0","repository":"https://example.com/charts"}]}
	const want = "sha256:47642d6267256db905f936f937fc50d714d6695d75bb7272827b8a25c5d9cb1b"
	got, err := LegacyLockDigest(req)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("LegacyLockDigest = %s, want %s", got, want)
	}
}
