//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// Registry B's variables: hack/registry.sh up starts it beside A and
// writes them into .registry-b/env.
const (
	envRegistryB         = "BERTH_E2E_REGISTRY_B"
	envRegistryBUser     = "BERTH_E2E_REGISTRY_B_USER"
	envRegistryBPassword = "BERTH_E2E_REGISTRY_B_PASSWORD" //nolint:gosec // a variable's name, not a credential
	envRegistryBCA       = "BERTH_E2E_REGISTRY_B_CA"
)

// localRegistryB returns the second local registry, for copies between
// registries, and fails the test, saying how to start it, when it is not
// running.
func localRegistryB(t *testing.T) testRegistry {
	t.Helper()
	env := map[string]string{}
	if os.Getenv(envRegistryB) != "" {
		for _, name := range []string{envRegistryB, envRegistryBUser, envRegistryBPassword, envRegistryBCA} {
			env[name] = os.Getenv(name)
		}
	} else {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		root, err := repo.Root(wd)
		if err != nil {
			t.Fatal(err)
		}
		if env, err = readEnvFile(filepath.Join(root, ".registry-b", "env")); err != nil {
			t.Fatalf("local registry B: %v\n%s", err, registryHint)
		}
	}
	r := testRegistry{Host: env[envRegistryB], User: env[envRegistryBUser], Password: env[envRegistryBPassword], CAFile: env[envRegistryBCA]}
	if err := probeRegistry(t.Context(), r); err != nil {
		t.Fatalf("local registry B at %q is not running: %v\n%s", r.Host, err, registryHint)
	}
	return r
}

// cosignBinary returns bin/cosign, which hack/tools/build.sh cosign builds
// (make e2e does).
func cosignBinary(t *testing.T) string {
	t.Helper()
	dir, err := repo.BinDir()
	if err != nil {
		t.Fatalf("find cosign: %v", err)
	}
	path := filepath.Join(dir, "cosign")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("cosign binary: %v\nrun `hack/tools/build.sh cosign` first (make e2e does)", err)
	}
	return path
}

// runCosign runs cosign in dir with DOCKER_CONFIG=dockerConfig (the
// registry credentials berth registry login wrote) and COSIGN_PASSWORD=pw,
// and returns its exit code and output.
func runCosign(t *testing.T, dir, dockerConfig string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cosignBinary(t), args...)
	cmd.Dir = dir
	// No network: cosign must not look for Sigstore's public services.
	cmd.Env = append(os.Environ(), "HOME="+dir, "DOCKER_CONFIG="+dockerConfig, "COSIGN_PASSWORD=pw",
		"TUF_ROOT="+filepath.Join(dir, ".sigstore"), "SIGSTORE_NO_CACHE=true")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatalf("run cosign %s: %v", strings.Join(args, " "), err)
	}
	return 0, out.String()
}

// mustCosign runs cosign and fails the test unless it exits 0.
func mustCosign(t *testing.T, dir, dockerConfig string, args ...string) string {
	t.Helper()
	code, out := runCosign(t, dir, dockerConfig, args...)
	if code != 0 {
		t.Fatalf("cosign %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}
