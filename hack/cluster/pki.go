//go:build unix

package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/berth-sh/berth/hack/internal/testpki"
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
	ca, err := testpki.NewCA("berth-local-ca", certValidity)
	if err != nil {
		return err
	}
	serving, err := ca.IssueServing(apiServerHost(), certValidity)
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
		{"ca.crt", func() ([]byte, error) { return ca.CertPEM(), nil }},
		{"ca.key", func() ([]byte, error) { return testpki.KeyPEM(ca.Key) }},
		{"apiserver.crt", func() ([]byte, error) { return testpki.CertPEM(serving.DER), nil }},
		{"apiserver.key", func() ([]byte, error) { return testpki.KeyPEM(serving.Key) }},
		{"sa.key", func() ([]byte, error) { return testpki.KeyPEM(saKey) }},
		{"sa.pub", func() ([]byte, error) { return testpki.PublicKeyPEM(saKey.Public()) }},
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
	return writeKubeconfig(l.kubeconfig(), port, ca.CertPEM(), adminToken)
}

// apiServerHost names what the API server's certificate is for: the names
// clients use, 127.0.0.1 from the host, the kubernetes Service from inside.
func apiServerHost() testpki.Host {
	return testpki.Host{
		CommonName: "kube-apiserver",
		DNSNames: []string{
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local",
		},
		IPs: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(kubernetesServiceIP)},
	}
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
