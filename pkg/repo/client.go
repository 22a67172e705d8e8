package repo

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Size limits of what a repository may send; anything larger is refused
// rather than read into memory.
const (
	maxIndexSize = 256 << 20
	maxChartSize = 100 << 20
)

// Client fetches the index and charts of one repository, with the entry's
// credentials and TLS settings. It is safe for concurrent use.
type Client struct {
	entry      *Entry
	httpClient *http.Client
	userAgent  string
}

// NewClient returns a client for the repository e. It reads the entry's
// CA, certificate and key files and fails when they are unusable.
func NewClient(e *Entry, userAgent string) (*Client, error) {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("repository URL %q: want an http:// or https:// URL", e.URL)
	}
	tlsConfig, err := newTLSConfig(e)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", e.URL, err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	return &Client{entry: e, httpClient: &http.Client{Transport: transport}, userAgent: userAgent}, nil
}

func newTLSConfig(e *Entry) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: e.InsecureSkipTLSVerify} //nolint:gosec // the user asked for it
	if e.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(e.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read CA file %s: no PEM certificate found", e.CAFile)
		}
		cfg.RootCAs = pool
	}
	if e.CertFile != "" || e.KeyFile != "" {
		if e.CertFile == "" || e.KeyFile == "" {
			return nil, errors.New("client certificate: need both a certificate file and a key file")
		}
		cert, err := tls.LoadX509KeyPair(e.CertFile, e.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate %s and key %s: %w", e.CertFile, e.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// IndexURL returns the URL of the repository's index.yaml.
func (c *Client) IndexURL() string {
	u, err := url.Parse(c.entry.URL)
	if err != nil {
		return strings.TrimSuffix(c.entry.URL, "/") + "/index.yaml"
	}
	return u.JoinPath("index.yaml").String()
}

// FetchIndex downloads and parses the repository's index.yaml, and
// returns it with the bytes as served.
func (c *Client) FetchIndex(ctx context.Context) (*IndexFile, []byte, error) {
	const op = "fetch index"
	indexURL := c.IndexURL()
	data, err := c.get(ctx, op, indexURL, "index.yaml", maxIndexSize)
	if err != nil {
		return nil, nil, err
	}
	idx, err := LoadIndex(data)
	if err != nil {
		return nil, nil, &Error{
			Op: op, Repo: c.entry.Name, URL: indexURL, Err: err,
			Hint: "the URL does not serve a Helm chart repository index",
		}
	}
	return idx, data, nil
}

// UpdateCache fetches the index and writes it atomically to the cache
// (see IndexCachePath). The entry must have a name.
func (c *Client) UpdateCache(ctx context.Context, cacheDir string) (*IndexFile, error) {
	idx, data, err := c.FetchIndex(ctx)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(IndexCachePath(cacheDir, c.entry.Name), data, 0o644); err != nil {
		return nil, fmt.Errorf("cache index of repository %q: %w", c.entry.Name, err)
	}
	return idx, nil
}

// DownloadChart downloads the archive of cv, from its first URL resolved
// against the repository's, and checks it against the digest the index
// gives (when it gives one).
func (c *Client) DownloadChart(ctx context.Context, cv *ChartVersion) ([]byte, error) {
	const op = "download chart"
	if len(cv.URLs) == 0 {
		return nil, &Error{
			Op: op, Repo: c.entry.Name, URL: c.entry.URL, Kind: ErrNotFound,
			Err: fmt.Errorf("the index gives no URL for %s %s", cv.Name, cv.Version),
		}
	}
	chartURL, err := ResolveURL(c.entry.URL, cv.URLs[0])
	if err != nil {
		return nil, &Error{Op: op, Repo: c.entry.Name, URL: cv.URLs[0], Err: err}
	}
	data, err := c.get(ctx, op, chartURL, "chart archive", maxChartSize)
	if err != nil {
		return nil, err
	}
	if cv.Digest != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, strings.TrimPrefix(cv.Digest, "sha256:")) {
			return nil, &Error{
				Op: op, Repo: c.entry.Name, URL: chartURL, Kind: ErrDigestMismatch,
				Err:  fmt.Errorf("the index says sha256:%s, the archive is sha256:%s", cv.Digest, got),
				Hint: "the repository changed the chart after indexing it; run berth repo update, or tell its maintainers",
			}
		}
	}
	return data, nil
}

// ResolveURL resolves a chart URL from an index against the repository
// URL, as Helm does: a relative URL is relative to the repository's
// directory, and keeps the repository URL's query.
func ResolveURL(repoURL, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("parse chart URL %q: %w", ref, err)
	}
	if r.IsAbs() {
		return ref, nil
	}
	base, err := url.Parse(repoURL)
	if err != nil {
		return "", fmt.Errorf("parse repository URL %q: %w", repoURL, err)
	}
	base.RawPath = strings.TrimSuffix(base.RawPath, "/") + "/"
	base.Path = strings.TrimSuffix(base.Path, "/") + "/"
	resolved := base.ResolveReference(r)
	resolved.RawQuery = base.RawQuery
	return resolved.String(), nil
}

// get downloads target, refusing more than limit bytes; what names the
// file for a not-found hint.
func (c *Client) get(ctx context.Context, op, target, what string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, &Error{Op: op, Repo: c.entry.Name, URL: target, Err: err}
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.sendsCredentials(req.URL) {
		req.SetBasicAuth(c.entry.Username, c.entry.Password)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, c.transportError(op, target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(op, target, resp, what)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &Error{Op: op, Repo: c.entry.Name, URL: target, Err: fmt.Errorf("read response: %w", err)}
	}
	if int64(len(data)) > limit {
		return nil, &Error{Op: op, Repo: c.entry.Name, URL: target, Err: fmt.Errorf("larger than %d MiB", limit>>20)}
	}
	return data, nil
}

// sendsCredentials reports whether a request to u carries the entry's
// credentials: only to the repository's own host, unless the entry says
// PassCredentialsAll, so that an index cannot send them elsewhere.
func (c *Client) sendsCredentials(u *url.URL) bool {
	if c.entry.Username == "" && c.entry.Password == "" {
		return false
	}
	if c.entry.PassCredentialsAll {
		return true
	}
	repoURL, err := url.Parse(c.entry.URL)
	return err == nil && repoURL.Host == u.Host
}
