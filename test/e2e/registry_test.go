//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pushResult is the part of `berth push -o json` the tests check.
type pushResult struct {
	Ref         string `json:"ref"`
	Version     string `json:"version"`
	Digest      string `json:"digest"`
	ChartDigest string `json:"chartDigest"`
}

// pullResult is the part of `berth pull -o json` the tests check.
type pullResult struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
	Path    string `json:"path"`
}

// registrySession is a logged-in work directory with a chart to push.
type registrySession struct {
	reg    testRegistry
	dir    string // work directory, also HOME
	config string // --registry-config
	repo   string // oci://HOST/PATH, unique to the test
}

// flags are the connection flags every registry command gets.
func (s registrySession) flags() []string {
	return []string{"--ca-file", s.reg.CAFile, "--registry-config", s.config}
}

func (s registrySession) berth(t *testing.T, args ...string) string {
	t.Helper()
	return mustBerth(t, s.dir, "", append(args, s.flags()...)...)
}

// newRegistrySession logs in to the local registry with a registry config
// of its own and creates the chart "web" in a fresh directory.
func newRegistrySession(t *testing.T) registrySession {
	t.Helper()
	reg := localRegistry(t)
	dir := t.TempDir()
	s := registrySession{
		reg: reg, dir: dir, config: filepath.Join(dir, "config.json"),
		// A path of its own: the registry may outlive the run and keep old tags.
		// t.TempDir is .../TestNameRANDOM/001: the parent is what is unique.
		repo: "oci://" + reg.Host + "/e2e/" + strings.ToLower(filepath.Base(filepath.Dir(dir))),
	}
	mustBerth(t, dir, reg.Password+"\n", append([]string{"registry", "login", reg.Host, "-u", reg.User, "--password-stdin"}, s.flags()...)...)
	if config, err := os.ReadFile(s.config); err != nil || !strings.Contains(string(config), reg.Host) {
		t.Fatalf("registry login stored no credentials for %s in %s: %v", reg.Host, s.config, err)
	}
	mustBerth(t, dir, "", "create", "web")
	return s
}

// pack packages the chart with the given version and returns the archive.
func (s registrySession) pack(t *testing.T, version string) string {
	t.Helper()
	mustBerth(t, s.dir, "", "package", "web", "--version", version)
	return filepath.Join(s.dir, "web-"+version+".tgz")
}

func (s registrySession) push(t *testing.T, archive string) pushResult {
	t.Helper()
	var got pushResult
	decodeJSON(t, s.berth(t, "push", archive, s.repo, "-o", "json"), &got)
	return got
}

// pull pulls ref into a fresh directory with extra flags.
func (s registrySession) pull(t *testing.T, ref string, extra ...string) pullResult {
	t.Helper()
	dest := t.TempDir()
	var got pullResult
	decodeJSON(t, s.berth(t, append([]string{"pull", ref, "-d", dest, "-o", "json"}, extra...)...), &got)
	return got
}

func decodeJSON(t *testing.T, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func fileDigest(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestRegistryPushPull pushes packaged charts over TLS with credentials
// from `registry login` and pulls them back by tag, digest and constraint.
func TestRegistryPushPull(t *testing.T) {
	s := newRegistrySession(t)
	pushed := map[string]pushResult{}
	for _, version := range []string{"0.1.0", "0.1.1", "0.2.0"} {
		archive := s.pack(t, version)
		pushed[version] = s.push(t, archive)
		if got, want := pushed[version].ChartDigest, fileDigest(t, archive); got != want {
			t.Errorf("push %s: chart layer %s, want the archive's digest %s", version, got, want)
		}
	}
	t.Run("push again gives the same digest", func(t *testing.T) {
		again := s.push(t, filepath.Join(s.dir, "web-0.1.0.tgz"))
		if diff := cmp.Diff(pushed["0.1.0"], again); diff != "" {
			t.Errorf("second push (-first +second):\n%s", diff)
		}
	})
	tests := []struct {
		name  string
		ref   string
		extra []string
		want  string // version
	}{
		{"by tag", s.repo + "/web:0.1.0", nil, "0.1.0"},
		{"by digest", s.repo + "/web@" + pushed["0.1.1"].Digest, nil, "0.1.1"},
		{"by constraint", s.repo + "/web", []string{"--version", "~0.1"}, "0.1.1"},
		{"highest release", s.repo + "/web", nil, "0.2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.pull(t, tt.ref, tt.extra...)
			want := pullResult{Name: "web", Version: tt.want, Digest: pushed[tt.want].Digest, Path: got.Path}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pull %s (-want +got):\n%s", tt.ref, diff)
			}
			if d := fileDigest(t, got.Path); d != pushed[tt.want].ChartDigest {
				t.Errorf("pulled %s has digest %s, want the pushed archive's %s", got.Path, d, pushed[tt.want].ChartDigest)
			}
		})
	}
	t.Run("untar", func(t *testing.T) {
		got := s.pull(t, s.repo+"/web:0.1.0", "--untar")
		chartYAML, err := os.ReadFile(filepath.Join(got.Path, "Chart.yaml"))
		if err != nil {
			t.Fatalf("pull --untar: %v", err)
		}
		if !strings.Contains(string(chartYAML), "version: 0.1.0") {
			t.Errorf("unpacked Chart.yaml has no version 0.1.0:\n%s", chartYAML)
		}
	})
}

// TestRegistryFailures: each way of talking to the registry wrongly fails
// with exit code 1 and an error that says what to do.
func TestRegistryFailures(t *testing.T) {
	s := newRegistrySession(t)
	archive := s.pack(t, "0.1.0")
	s.push(t, archive)
	ref := s.repo + "/web:0.1.0"
	noLogin := filepath.Join(s.dir, "empty-config.json")
	caFlag := []string{"--ca-file", s.reg.CAFile}
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantStderr []string
		noFile     string // a file the command must not create
	}{
		{
			name:       "push without login",
			args:       append([]string{"push", archive, s.repo, "--registry-config", noLogin}, caFlag...),
			wantStderr: []string{"unauthorized", "berth registry login " + s.reg.Host},
		},
		{
			name:       "pull without login",
			args:       append([]string{"pull", ref, "-d", s.dir, "--registry-config", noLogin}, caFlag...),
			wantStderr: []string{"unauthorized", "berth registry login " + s.reg.Host},
		},
		{
			name:       "push without --ca-file",
			args:       []string{"push", archive, s.repo, "--registry-config", s.config},
			wantStderr: []string{"certificate", "--ca-file"},
		},
		{
			name:       "pull without --ca-file",
			args:       []string{"pull", ref, "-d", s.dir, "--registry-config", s.config},
			wantStderr: []string{"certificate", "--ca-file"},
		},
		{
			name:       "login without --ca-file",
			stdin:      s.reg.Password + "\n",
			args:       []string{"registry", "login", s.reg.Host, "-u", s.reg.User, "--password-stdin", "--registry-config", noLogin},
			wantStderr: []string{"certificate", "--ca-file"},
			noFile:     noLogin,
		},
		{
			name:       "login with a wrong password",
			stdin:      "wrong\n",
			args:       append([]string{"registry", "login", s.reg.Host, "-u", s.reg.User, "--password-stdin", "--registry-config", noLogin}, caFlag...),
			wantStderr: []string{"unauthorized", "user name and password"},
			noFile:     noLogin,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runBerth(t, s.dir, tt.stdin, tt.args...)
			if run.ExitCode != 1 {
				t.Errorf("exit code %d, want 1; stdout:\n%s", run.ExitCode, run.Stdout)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(run.Stderr, want) {
					t.Errorf("stderr does not mention %q:\n%s", want, run.Stderr)
				}
			}
			if tt.noFile != "" && fileExists(tt.noFile) {
				t.Errorf("%s was written", tt.noFile)
			}
		})
	}
}

// TestRegistryLogout: after logout the registry refuses the same push, and
// a second logout has nothing to remove.
func TestRegistryLogout(t *testing.T) {
	s := newRegistrySession(t)
	archive := s.pack(t, "0.1.0")
	s.push(t, archive)
	s.berth(t, "registry", "logout", s.reg.Host)
	config, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(config), s.reg.Host) {
		t.Errorf("%s still names %s after logout:\n%s", s.config, s.reg.Host, config)
	}
	push := runBerth(t, s.dir, "", append([]string{"push", archive, s.repo}, s.flags()...)...)
	if push.ExitCode != 1 || !strings.Contains(push.Stderr, "berth registry login") {
		t.Errorf("push after logout: exit code %d, want 1 with a hint to log in; stderr:\n%s", push.ExitCode, push.Stderr)
	}
	again := runBerth(t, s.dir, "", append([]string{"registry", "logout", s.reg.Host}, s.flags()...)...)
	if again.ExitCode != 1 || !strings.Contains(again.Stderr, "no credentials") {
		t.Errorf("second logout: exit code %d, want 1 saying there are no credentials; stderr:\n%s", again.ExitCode, again.Stderr)
	}
}
