package testpki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeTestPKI writes a CA and a serving certificate for 192.0.2.10, ::1
// and server.test as ca.crt, server.crt and server.key under dir.
func writeTestPKI(t *testing.T, dir string) {
	t.Helper()
	ca, err := NewCA("test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.IssueServing(Host{
		CommonName: "server.test", DNSNames: []string{"server.test"},
		IPs: []net.IP{net.ParseIP("192.0.2.10"), net.IPv6loopback},
	}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	key, err := KeyPEM(serving.Key)
	if err != nil {
		t.Fatal(err)
	}
	err = WriteFiles([]File{
		{filepath.Join(dir, "ca.crt"), ca.CertPEM()},
		{filepath.Join(dir, "server.crt"), CertPEM(serving.DER)},
		{filepath.Join(dir, "server.key"), key},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIssueServing checks the serving certificate verifies with the CA for
// the names it was issued for and no others, and the key is private.
func TestIssueServing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	writeTestPKI(t, dir)
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"server.test", false},
		{"192.0.2.10", false},
		{"::1", false},
		{"127.0.0.1", true},
		{"other.test", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "server.crt"), tt.name)
			if (err != nil) != tt.wantErr {
				t.Errorf("Verify(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
			}
		})
	}
	keyPath := filepath.Join(dir, "server.key")
	info, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("key mode = %o, want 600", got)
	}
	data, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", keyPath)
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		t.Errorf("%s: %v", keyPath, err)
	}
}

func TestPublicKeyPEM(t *testing.T) {
	ca, err := NewCA("test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	data, err := PublicKeyPEM(ca.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("PublicKeyPEM = %q, want a PUBLIC KEY block", data)
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		t.Errorf("parse public key: %v", err)
	}
}

func TestReadCertErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCert(notPEM); !errors.Is(err, ErrNoPEM) {
		t.Errorf("ReadCert of a non-PEM file: error %v, want ErrNoPEM", err)
	}
	if _, err := ReadCert(filepath.Join(dir, "missing.crt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadCert of a missing file: error %v, want not exist", err)
	}
	if err := Verify(notPEM, notPEM, "localhost"); !errors.Is(err, ErrNoPEM) {
		t.Errorf("Verify with a non-PEM CA: error %v, want ErrNoPEM", err)
	}
}
