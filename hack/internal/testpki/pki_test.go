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

// writeTestPKI writes a CA and a serving certificate for 127.0.0.1, ::1
// and localhost as ca.crt, server.crt and server.key under dir.
func writeTestPKI(t *testing.T, dir string) {
	t.Helper()
	ca, err := NewCA("test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.IssueServing(Host{
		CommonName: "127.0.0.1", DNSNames: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
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

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	cert, err := ReadCert(path)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestIssueServing checks the serving certificate verifies with the CA for
// the names it was issued for and no others, and the key is private.
func TestIssueServing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	writeTestPKI(t, dir)
	roots := x509.NewCertPool()
	roots.AddCert(readCert(t, filepath.Join(dir, "ca.crt")))
	server := readCert(t, filepath.Join(dir, "server.crt"))
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
		t.Run(tt.name, func(t *testing.T) {
			_, err := server.Verify(x509.VerifyOptions{
				DNSName: tt.name, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
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
}
