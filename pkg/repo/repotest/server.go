// Package repotest runs a classic Helm chart repository over HTTP(S) for
// tests: an index.yaml generated from the charts added to it, the chart
// archives under charts/, optional basic auth and TLS with a test CA.
package repotest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/repo"
)

// Server is a running test chart repository.
type Server struct {
	// URL is the repository URL (no trailing slash).
	URL string
	// CAFile is a PEM file of the CA that signed the server's certificate
	// ("" without WithTLS).
	CAFile string

	mu       sync.Mutex
	index    *repo.IndexFile
	rawIndex []byte
	archives map[string][]byte
	requests []string
	// dir, when set, is the directory served instead (ServeDir).
	dir string
}

// Option configures a Server.
type Option func(*config)

type config struct {
	user, password string
	tls            bool
}

// WithBasicAuth makes the server require HTTP basic auth with these
// credentials for every file.
func WithBasicAuth(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithTLS serves HTTPS with a certificate for 127.0.0.1 signed by a test CA,
// written to Server.CAFile.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// New starts a repository with an empty index and stops it when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		index:    &repo.IndexFile{APIVersion: "v1", Entries: map[string][]*repo.ChartVersion{}},
		archives: map[string][]byte{},
	}
	var handler http.Handler = http.HandlerFunc(s.serve)
	if cfg.user != "" {
		handler = basicAuth(handler, cfg.user, cfg.password)
	}
	var srv *httptest.Server
	if cfg.tls {
		srv = httptest.NewTLSServer(handler)
		s.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(s.CAFile, block, 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// AddChart adds a chart archive, served at charts/NAME-VERSION.tgz and
// listed in the index with that relative URL and its SHA-256 digest.
func (s *Server) AddChart(t testing.TB, archive []byte) *repo.ChartVersion {
	t.Helper()
	ch, err := chart.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatalf("repotest: load chart archive: %v", err)
	}
	sum := sha256.Sum256(archive)
	name := "charts/" + ch.Name() + "-" + ch.Metadata.Version + ".tgz"
	cv := &repo.ChartVersion{
		Metadata: ch.Metadata, URLs: []string{name},
		Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Digest: hex.EncodeToString(sum[:]),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archives["/"+name] = archive
	s.index.Entries[ch.Name()] = append(s.index.Entries[ch.Name()], cv)
	return cv
}

// AddFile serves data at path (relative to the repository URL), such as
// a provenance file, or a replaced archive.
func (s *Server) AddFile(path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archives["/"+strings.TrimPrefix(path, "/")] = data
}

// SetIndex makes the server answer index.yaml with data instead of the
// generated index (nil goes back to generating it).
func (s *Server) SetIndex(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rawIndex = data
}

// Requests returns the paths requested so far, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.URL.Path)
	if s.dir != "" {
		s.serveDir(w, r)
		return
	}
	if r.URL.Path == "/index.yaml" {
		data := s.rawIndex
		if data == nil {
			var err error
			if data, err = s.generateIndex(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		_, _ = w.Write(data)
		return
	}
	data, ok := s.archives[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	_, _ = w.Write(data)
}

// generateIndex writes the index with every chart's versions highest
// first, as `helm repo index` does.
func (s *Server) generateIndex() ([]byte, error) {
	for _, versions := range s.index.Entries {
		slices.SortStableFunc(versions, func(a, b *repo.ChartVersion) int {
			return semver.MustParse(b.Version).Compare(semver.MustParse(a.Version))
		})
	}
	return yaml.Marshal(s.index)
}

func basicAuth(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
