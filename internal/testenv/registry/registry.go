package registry

import (
	"crypto/subtle"
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
)

// Registry is a running test registry.
type Registry struct {
	// Host is "127.0.0.1:PORT", the registry part of references.
	Host string
	// URL is "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
	URL string
	// Username and Password are the accepted credentials, empty without
	// WithBasicAuth.
	Username, Password string
	// CAPEM is the PEM certificate of the CA that signed the server
	// certificate, and CAFile a file holding it; both empty without
	// WithTLS.
	CAPEM  []byte
	CAFile string
	// ClientCertFile and ClientKeyFile are the PEM client certificate and
	// key the registry accepts, empty without WithClientCert.
	ClientCertFile, ClientKeyFile string
}

// Option configures a test registry.
type Option func(*config)

type config struct {
	user, password string
	tls            bool
	clientCert     bool
}

// WithBasicAuth makes the registry require HTTP basic authentication with
// user and password on every request, answering 401 with a Basic challenge
// otherwise, as an htpasswd-protected distribution registry does.
func WithBasicAuth(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithTLS serves HTTPS with a certificate for 127.0.0.1 signed by a test
// CA, exposed as Registry.CAPEM and Registry.CAFile.
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithClientCert serves HTTPS (as WithTLS) and requires a client
// certificate signed by a test CA; the one it accepts is in
// Registry.ClientCertFile and Registry.ClientKeyFile.
func WithClientCert() Option {
	return func(c *config) { c.tls, c.clientCert = true, true }
}

// New starts a registry and stops it when t ends.
func New(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	handler := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	if cfg.user != "" {
		handler = basicAuth(handler, cfg.user, cfg.password)
	}
	srv := httptest.NewUnstartedServer(handler)
	// Clients refusing the test certificate are what TLS tests check; the
	// server need not log their handshakes.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	var ca *clientCA
	if cfg.clientCert {
		ca = newClientCA(t)
		srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		ca.requireClientCert(srv.TLS)
	}
	if cfg.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	r := &Registry{
		Host:     strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://"),
		URL:      srv.URL,
		Username: cfg.user,
		Password: cfg.password,
	}
	if cfg.tls {
		r.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		r.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(r.CAFile, r.CAPEM, 0o600); err != nil {
			t.Fatalf("write test registry CA: %v", err)
		}
	}
	if ca != nil {
		r.ClientCertFile, r.ClientKeyFile = ca.certFile, ca.keyFile
	}
	return r
}

// Ref returns the oci:// reference of path in the registry:
// "oci://127.0.0.1:PORT/" + path.
func (r *Registry) Ref(path string) string {
	return "oci://" + r.Host + "/" + strings.TrimPrefix(path, "/")
}

func basicAuth(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, p, ok := req.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="berth test registry"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		next.ServeHTTP(w, req)
	})
}
