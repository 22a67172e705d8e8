// Package helmbin runs the real Helm binaries that hack/tools/build.sh helm
// links into bin/ (Helm 4 as bin/helm, Helm 3 as bin/helm3), for tests of
// berth's interoperation with Helm. A missing binary fails the test with
// its name, where it was looked for and "run `make tools`"; it never skips.
package helmbin

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// Helm is one Helm binary bound to a kubeconfig, with its own empty home
// (config, cache and data directories), so that tests do not read or write
// the user's.
type Helm struct {
	// Name is "helm4" or "helm3", for test names and messages.
	Name string
	// Bin is the binary's path.
	Bin string
	// Kubeconfig is passed as --kubeconfig.
	Kubeconfig string
	// Env are extra environment variables (HELM_DRIVER=configmap, ...).
	Env  []string
	home string
}

// Timeout bounds one Helm command.
const Timeout = 2 * time.Minute

// V4 returns bin/helm, Helm v4.
func V4(tb testing.TB, kubeconfig string) *Helm {
	tb.Helper()
	return find(tb, "helm4", "helm", kubeconfig)
}

// V3 returns bin/helm3, the newest Helm v3.
func V3(tb testing.TB, kubeconfig string) *Helm {
	tb.Helper()
	return find(tb, "helm3", "helm3", kubeconfig)
}

func find(tb testing.TB, name, file, kubeconfig string) *Helm {
	tb.Helper()
	dir, err := repo.BinDir()
	if err == nil {
		err = repo.Require(dir, file)
	}
	if err != nil {
		tb.Fatalf("helmbin: %v", err)
	}
	return &Helm{Name: name, Bin: filepath.Join(dir, file), Kubeconfig: kubeconfig, home: tb.TempDir()}
}

// With returns a copy of h with more environment variables.
func (h *Helm) With(env ...string) *Helm {
	c := *h
	c.Env = append(append([]string(nil), h.Env...), env...)
	return &c
}

// Run runs helm with args and returns its standard output; it fails the
// test, showing both outputs, when helm fails.
func (h *Helm) Run(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := h.Try(args...)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", h.Name, strings.Join(args, " "), err, out)
	}
	return out
}

// Try runs helm with args and returns its output (standard output, then
// standard error) and error.
func (h *Helm) Try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.Bin, append(args, "--kubeconfig", h.Kubeconfig)...)
	cmd.Env = append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(h.home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(h.home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(h.home, "data"),
		"HELM_DRIVER=", "KUBECONFIG=",
	)
	cmd.Env = append(cmd.Env, h.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String() + stderr.String(), err
}

// WriteChart writes a chart directory under tb.TempDir from files (path
// relative to the chart → content) and returns its path.
func WriteChart(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "chart")
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
