//go:build unix

package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// certValidity is long enough for any local cluster's life.
const certValidity = 365 * 24 * time.Hour

// writePKI writes the cluster CA, the API server's serving certificate, the
// service-account key pair, the token file with the admin token, and the
// admin kubeconfig for the server at port.
func writePKI(l layout, port int) error {
	if err := os.MkdirAll(l.pki(""), 0o700); err != nil {
		return err
	}
	caKey, caCert, err := newCA()
	if err != nil {
		return err
	}
	servingKey, servingCert, err := newServingCert(caKey, caCert)
	if err != nil {
		return err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate service-account key: %w", err)
	}
	token := make([]byte, 24)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	adminToken := hex.EncodeToString(token)
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{"ca.crt", func() ([]byte, error) { return pemBlock("CERTIFICATE", caCert.Raw), nil }},
		{"ca.key", func() ([]byte, error) { return keyPEM(caKey) }},
		{"apiserver.crt", func() ([]byte, error) { return pemBlock("CERTIFICATE", servingCert), nil }},
		{"apiserver.key", func() ([]byte, error) { return keyPEM(servingKey) }},
		{"sa.key", func() ([]byte, error) { return keyPEM(saKey) }},
		{"sa.pub", func() ([]byte, error) { return publicPEM(saKey.Public()) }},
		{"tokens.csv", func() ([]byte, error) { return []byte(adminToken + `,admin,admin,"system:masters"` + "\n"), nil }},
	}
	for _, f := range files {
		data, err := f.data()
		if err == nil {
			err = os.WriteFile(l.pki(f.name), data, 0o600)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", l.rel(l.pki(f.name)), err)
		}
	}
	return writeKubeconfig(l.kubeconfig(), port, pemBlock("CERTIFICATE", caCert.Raw), adminToken)
}

func newCA() (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "berth-local-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

// newServingCert issues the API server's certificate for the names clients
// use: 127.0.0.1 from the host, the kubernetes Service from inside.
func newServingCert(caKey crypto.Signer, ca *x509.Certificate) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate serving key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local",
		},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(kubernetesServiceIP)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create serving certificate: %w", err)
	}
	return key, der, nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func keyPEM(key crypto.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pemBlock("PRIVATE KEY", der), nil
}

func publicPEM(key crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, err
	}
	return pemBlock("PUBLIC KEY", der), nil
}

// writeKubeconfig writes an admin kubeconfig, context "berth-local".
func writeKubeconfig(path string, port int, caPEM []byte, token string) error {
	const name = "berth-local"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{
		Server:                   fmt.Sprintf("https://127.0.0.1:%d", port),
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: "default"}
	cfg.CurrentContext = name
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
