//go:build unix

package main

import (
	"fmt"
	"net"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-sh/berth/hack/internal/testpki"
)

// certValidity is long enough for any local registry's life.
const certValidity = 30 * 24 * time.Hour

// tlsFiles names the PEM files writePKI writes under a directory.
type tlsFiles struct {
	CA, Cert, Key string
}

func newTLSFiles(dir string) tlsFiles {
	return tlsFiles{
		CA:   filepath.Join(dir, "ca.crt"),
		Cert: filepath.Join(dir, "server.crt"),
		Key:  filepath.Join(dir, "server.key"),
	}
}

// writePKI writes a fresh CA and a server certificate it signs for
// 127.0.0.1 and localhost. The CA key is not kept: nothing else is signed.
func writePKI(files tlsFiles) error {
	ca, err := testpki.NewCA("berth-e2e-registry-ca", certValidity)
	if err != nil {
		return err
	}
	serving, err := ca.IssueServing(testpki.Host{
		CommonName: "127.0.0.1",
		DNSNames:   []string{"localhost"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}, certValidity)
	if err != nil {
		return err
	}
	key, err := testpki.KeyPEM(serving.Key)
	if err != nil {
		return fmt.Errorf("encode server key: %w", err)
	}
	return testpki.WriteFiles([]testpki.File{
		{Path: files.CA, Data: ca.CertPEM()},
		{Path: files.Cert, Data: testpki.CertPEM(serving.DER)},
		{Path: files.Key, Data: key},
	})
}

// htpasswdLine is user's entry in an htpasswd file, the bcrypt form that
// distribution's htpasswd authenticator requires.
func htpasswdLine(user, password string) ([]byte, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("hash password of %s: %w", user, err)
	}
	return []byte(user + ":" + string(hash) + "\n"), nil
}
