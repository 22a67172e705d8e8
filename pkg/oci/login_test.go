package oci

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-sh/berth/internal/testenv/registry"
)

func TestLoginLogout(t *testing.T) {
	reg := registry.New(t, registry.WithBasicAuth("ann", "s3cret"))
	configPath := filepath.Join(t.TempDir(), "config.json")
	c := newTestClient(t, Options{PlainHTTP: true, RegistryConfig: configPath})
	ctx := t.Context()
	archive := simpleChart(t, "app", "1.0.0")

	_, err := c.Push(ctx, archive, reg.Ref("charts"), PushOptions{})
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "run 'berth registry login "+reg.Host+"'") {
		t.Fatalf("push before login: error = %v, want unauthorized with a login hint", err)
	}

	err = c.Login(ctx, reg.Host, "ann", "wrong")
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "check the user name and password") {
		t.Fatalf("login with a wrong password: error = %v, want unauthorized", err)
	}
	if _, statErr := os.Stat(configPath); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("a refused login wrote %s", configPath)
	}

	if err := c.Login(ctx, "oci://"+reg.Host, "ann", "s3cret"); err != nil {
		t.Fatalf("login: %v", err)
	}
	stored, err := os.ReadFile(configPath)
	if err != nil || !strings.Contains(string(stored), reg.Host) {
		t.Fatalf("credentials not stored in %s: %q, %v", configPath, stored, err)
	}

	// A new client reads the stored credentials.
	fresh := newTestClient(t, Options{PlainHTTP: true, RegistryConfig: configPath})
	mustPush(t, fresh, archive, reg.Ref("charts"))
	res, err := fresh.Pull(ctx, reg.Ref("charts/app"), "1.0.0")
	if err != nil || !bytes.Equal(res.Archive, archive) {
		t.Fatalf("pull after login: %v", err)
	}

	if err := fresh.Logout(ctx, reg.Host); err != nil {
		t.Fatalf("logout: %v", err)
	}
	stored, err = os.ReadFile(configPath)
	if err != nil || strings.Contains(string(stored), reg.Host) {
		t.Errorf("credentials still in %s after logout: %q, %v", configPath, stored, err)
	}
	if err := fresh.Logout(ctx, reg.Host); !errors.Is(err, ErrNotFound) {
		t.Errorf("second logout: error = %v, want ErrNotFound", err)
	}
	_, err = newTestClient(t, Options{PlainHTTP: true, RegistryConfig: configPath}).Pull(ctx, reg.Ref("charts/app"), "1.0.0")
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("pull after logout: error = %v, want unauthorized", err)
	}
}

func TestTLS(t *testing.T) {
	reg := registry.New(t, registry.WithTLS())
	ctx := t.Context()
	archive := simpleChart(t, "app", "1.0.0")

	trusted := newTestClient(t, Options{CAFile: reg.CAFile})
	pushed := mustPush(t, trusted, archive, reg.Ref("charts"))
	res, err := trusted.Pull(ctx, reg.Ref("charts/app"), "1.0.0")
	if err != nil || res.Digest != pushed.Digest {
		t.Fatalf("pull over TLS with --ca-file: %v", err)
	}

	_, err = newTestClient(t, Options{}).Pull(ctx, reg.Ref("charts/app"), "1.0.0")
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "--ca-file") {
		t.Errorf("pull without the CA: error = %v, want a TLS error naming --ca-file", err)
	}
	insecure := newTestClient(t, Options{InsecureSkipTLSVerify: true})
	if _, err := insecure.Pull(ctx, reg.Ref("charts/app"), "1.0.0"); err != nil {
		t.Errorf("pull with --insecure-skip-tls-verify: %v", err)
	}
}

func TestHTTPSAgainstPlainRegistry(t *testing.T) {
	reg := registry.New(t)
	_, err := newTestClient(t, Options{}).Pull(t.Context(), reg.Ref("charts/app"), "1.0.0")
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "--plain-http") {
		t.Errorf("error = %v, want a TLS error naming --plain-http", err)
	}
}

func TestNewClientErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(dir, "config.json")
	if err := os.WriteFile(badConfig, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"missing CA file", Options{CAFile: filepath.Join(dir, "nope.pem")}, "read CA file"},
		{"CA file without PEM", Options{CAFile: notPEM}, "no PEM certificate found"},
		{"cert without key", Options{CertFile: notPEM}, "need both a certificate file and a key file"},
		{"bad registry config", Options{RegistryConfig: badConfig}, "open credential store " + badConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewClient error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestMutualTLS(t *testing.T) {
	reg := registry.New(t, registry.WithClientCert())
	ctx := t.Context()
	archive := simpleChart(t, "app", "1.0.0")

	withCert := newTestClient(t, Options{CAFile: reg.CAFile, CertFile: reg.ClientCertFile, KeyFile: reg.ClientKeyFile})
	pushed := mustPush(t, withCert, archive, reg.Ref("charts"))
	res, err := withCert.Pull(ctx, reg.Ref("charts/app"), "1.0.0")
	if err != nil || res.Digest != pushed.Digest {
		t.Fatalf("pull with a client certificate: %v", err)
	}

	_, err = newTestClient(t, Options{CAFile: reg.CAFile}).Pull(ctx, reg.Ref("charts/app"), "1.0.0")
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "--cert-file") {
		t.Errorf("pull without a client certificate: error = %v, want a TLS error naming --cert-file", err)
	}
}
