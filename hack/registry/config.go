//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// Names of the variables in .registry/env; test/e2e reads the same names
// from its environment first. Registry B's, in .registry-b/env, have _B
// after BERTH_E2E_REGISTRY (BERTH_E2E_REGISTRY_B_USER).
const (
	envAddr     = "BERTH_E2E_REGISTRY"
	envUser     = "_USER"
	envPassword = "_PASSWORD" //nolint:gosec // a variable's name, not a credential
	envCA       = "_CA"
)

// testUser is the one user in the htpasswd file.
const testUser = "berth"

// settings are what up chooses for one run of the registry.
type settings struct {
	Addr     string // 127.0.0.1:PORT
	User     string
	Password string
	TLS      tlsFiles
	Htpasswd string // path of the htpasswd file
	Storage  string // root directory of the filesystem storage driver
	Secret   string // http.secret, signs upload state
}

// configYAML renders distribution's config.yml for s: filesystem storage,
// HTTPS with the test certificate, htpasswd authentication.
func configYAML(s settings) ([]byte, error) {
	type m = map[string]any
	cfg := m{
		"version": "0.1",
		"log":     m{"level": "info", "formatter": "text", "accesslog": m{"disabled": true}},
		"storage": m{
			"filesystem":  m{"rootdirectory": s.Storage},
			"delete":      m{"enabled": true},
			"maintenance": m{"uploadpurging": m{"enabled": false}},
		},
		"http": m{
			"addr":   s.Addr,
			"secret": s.Secret,
			"tls":    m{"certificate": s.TLS.Cert, "key": s.TLS.Key},
			// Relative upload locations, so that a proxy in front of the
			// registry (the fault-injecting one of the tests) stays in
			// the path of every request.
			"relativeurls": true,
		},
		"auth": m{"htpasswd": m{"realm": "berth-e2e", "path": s.Htpasswd}},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode registry config: %w", err)
	}
	return out, nil
}

// envFileData renders s as the shell assignments of an env file, the
// variables' names starting with prefix.
func envFileData(prefix string, s settings) ([]byte, error) {
	var b bytes.Buffer
	for _, kv := range [][2]string{
		{prefix, s.Addr}, {prefix + envUser, s.User}, {prefix + envPassword, s.Password}, {prefix + envCA, s.TLS.CA},
	} {
		if strings.ContainsAny(kv[1], "'\n") {
			return nil, fmt.Errorf("%s: %q cannot be written as a shell word", kv[0], kv[1])
		}
		fmt.Fprintf(&b, "%s='%s'\n", kv[0], kv[1])
	}
	return b.Bytes(), nil
}

// readEnvFile parses what envFileData wrote.
func readEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
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

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// freeAddr asks the kernel for a free port on 127.0.0.1. Another process
// may take it before the registry binds it; up then fails with the log.
func freeAddr(ctx context.Context) (string, error) {
	ports, err := localproc.FreePorts(ctx, 1)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), nil
}
