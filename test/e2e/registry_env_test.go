//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// The local registry's connection details: set in the environment, or read
// from .registry/env, which hack/registry.sh up writes with the same names.
const (
	envRegistry         = "BERTH_E2E_REGISTRY"
	envRegistryUser     = "BERTH_E2E_REGISTRY_USER"
	envRegistryPassword = "BERTH_E2E_REGISTRY_PASSWORD" //nolint:gosec // a variable's name, not a credential
	envRegistryCA       = "BERTH_E2E_REGISTRY_CA"
)

const registryHint = "start the local registry with `hack/registry.sh up` (make e2e does)"

// berthTimeout bounds one run of the berth binary.
const berthTimeout = 60 * time.Second

// testRegistry is the local registry under test.
type testRegistry struct {
	Host     string // 127.0.0.1:PORT
	User     string
	Password string
	CAFile   string
}

// localRegistry returns the running local registry's details and fails the
// test, saying how to start it, when it is not configured or not answering.
func localRegistry(t *testing.T) testRegistry {
	t.Helper()
	env, err := registryEnv()
	if err != nil {
		t.Fatalf("local registry: %v\n%s", err, registryHint)
	}
	r := testRegistry{Host: env[envRegistry], User: env[envRegistryUser], Password: env[envRegistryPassword], CAFile: env[envRegistryCA]}
	if err := probeRegistry(t.Context(), r); err != nil {
		t.Fatalf("local registry at %s is not running: %v\n%s", r.Host, err, registryHint)
	}
	return r
}

// registryEnv reads the registry variables from the environment when
// BERTH_E2E_REGISTRY is set, otherwise from .registry/env.
func registryEnv() (map[string]string, error) {
	names := []string{envRegistry, envRegistryUser, envRegistryPassword, envRegistryCA}
	env := map[string]string{}
	if os.Getenv(envRegistry) != "" {
		for _, name := range names {
			env[name] = os.Getenv(name)
		}
	} else {
		path, err := registryEnvFile()
		if err != nil {
			return nil, err
		}
		if env, err = readEnvFile(path); err != nil {
			return nil, err
		}
	}
	for _, name := range names {
		if env[name] == "" {
			return nil, fmt.Errorf("%s is not set", name)
		}
	}
	return env, nil
}

func registryEnvFile() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := repo.Root(wd)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".registry", "env"), nil
}

// readEnvFile parses the KEY='VALUE' lines of .registry/env.
func readEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist and %s is not set", path, envRegistry)
	}
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE", path, line)
		}
		env[key] = strings.TrimSuffix(strings.TrimPrefix(value, "'"), "'")
	}
	return env, nil
}

// probeRegistry checks that /v2/ verifies with the CA and asks for credentials.
func probeRegistry(ctx context.Context, r testRegistry) error {
	caPEM, err := os.ReadFile(r.CAFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s holds no PEM certificate", r.CAFile)
	}
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+r.Host+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("GET /v2/: %s, want 401 Unauthorized", resp.Status)
	}
	return nil
}

// berthBinary returns bin/berth (or $BERTH_BIN_DIR/berth), which `make build`
// writes and `make e2e` builds first; the tests run the real binary.
func berthBinary(t *testing.T) string {
	t.Helper()
	dir, err := repo.BinDir()
	if err != nil {
		t.Fatalf("find berth: %v", err)
	}
	path := filepath.Join(dir, "berth")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("berth binary: %v\nrun `make build` first (make e2e does)", err)
	}
	return path
}

// berthRun is one finished run of the berth binary.
type berthRun struct {
	Stdout, Stderr string
	ExitCode       int
}

// runBerth runs berth with args in dir, stdin as its input and HOME and
// DOCKER_CONFIG pointing into dir, so docker's own config is never read.
func runBerth(t *testing.T, dir, stdin string, args ...string) berthRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), berthTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "DOCKER_CONFIG="+filepath.Join(dir, ".docker"))
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := berthRun{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		run.ExitCode = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run berth %s: %v", strings.Join(args, " "), err)
	}
	return run
}

// mustBerth runs berth and fails the test unless it exits 0.
func mustBerth(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	run := runBerth(t, dir, stdin, args...)
	if run.ExitCode != 0 {
		t.Fatalf("berth %s: exit code %d\nstderr:\n%s", strings.Join(args, " "), run.ExitCode, run.Stderr)
	}
	return run.Stdout
}
