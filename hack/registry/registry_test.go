//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/hack/internal/testpki"
)

// TestWritePKI checks the server certificate verifies for the addresses
// clients use and no others, and the key is private.
func TestWritePKI(t *testing.T) {
	files := newTLSFiles(filepath.Join(t.TempDir(), "pki"))
	if err := writePKI(files); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"127.0.0.1", false},
		{"localhost", false},
		{"::1", false},
		{"registry.example.com", true},
	}
	for _, tt := range tests {
		if err := testpki.Verify(files.CA, files.Cert, tt.name); (err != nil) != tt.wantErr {
			t.Errorf("Verify(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
	info, err := os.Stat(files.Key)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("key mode = %o, want 600", got)
	}
}

func TestHtpasswdLine(t *testing.T) {
	line, err := htpasswdLine("berth", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	user, hash, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte(":"))
	if !ok || string(user) != "berth" {
		t.Fatalf("htpasswd line %q: want berth:HASH", line)
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte("s3cret")); err != nil {
		t.Errorf("password does not match the hash: %v", err)
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte("wrong")); err == nil {
		t.Error("a wrong password matches the hash")
	}
}

func testSettings(dir string) settings {
	return settings{
		Addr: "127.0.0.1:5000", User: "berth", Password: "pw", Secret: "sec",
		TLS:      newTLSFiles(filepath.Join(dir, "pki")),
		Htpasswd: filepath.Join(dir, "htpasswd"),
		Storage:  filepath.Join(dir, "data"),
	}
}

func TestEnvFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := testSettings(dir)
	data, err := envFileData(envAddr+"_B", s)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "env")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"BERTH_E2E_REGISTRY_B": s.Addr, "BERTH_E2E_REGISTRY_B_USER": "berth",
		"BERTH_E2E_REGISTRY_B_PASSWORD": "pw", "BERTH_E2E_REGISTRY_B_CA": s.TLS.CA,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("env file (-want +got):\n%s", diff)
	}
	s.Password = "it's"
	if _, err := envFileData(envAddr, s); err == nil {
		t.Error("envFileData accepted a value with a single quote")
	}
}

func TestConfigYAML(t *testing.T) {
	s := testSettings("/r")
	data, err := configYAML(s)
	if err != nil {
		t.Fatal(err)
	}
	type config struct {
		Storage struct {
			Filesystem struct{ Rootdirectory string }
		}
		HTTP struct {
			Addr string
			TLS  struct{ Certificate, Key string }
		} `json:"http"`
		Auth struct{ Htpasswd struct{ Realm, Path string } }
	}
	var got config
	if err := yaml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	var want config
	want.Storage.Filesystem.Rootdirectory = "/r/data"
	want.HTTP.Addr = "127.0.0.1:5000"
	want.HTTP.TLS.Certificate, want.HTTP.TLS.Key = "/r/pki/server.crt", "/r/pki/server.key"
	want.Auth.Htpasswd.Realm, want.Auth.Htpasswd.Path = "berth-e2e", "/r/htpasswd"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config.yml (-want +got):\n%s", diff)
	}
}
