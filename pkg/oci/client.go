package oci

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// Options configure a Client. The zero value talks HTTPS to registries,
// verifies their certificates against the system roots and reads
// credentials from the docker configuration.
type Options struct {
	// PlainHTTP talks HTTP instead of HTTPS (local test registries).
	PlainHTTP bool
	// InsecureSkipTLSVerify accepts any server certificate.
	InsecureSkipTLSVerify bool
	// CAFile is a PEM file of CA certificates trusted in addition to the
	// system roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key for
	// registries that require mutual TLS.
	CertFile, KeyFile string
	// RegistryConfig is the docker-style config.json holding credentials
	// ("auths") or naming credential helpers ("credsStore",
	// "credHelpers"). Empty means docker's own: $DOCKER_CONFIG/config.json
	// or ~/.docker/config.json, with the platform's default credential
	// helper when the file names none.
	RegistryConfig string
	// Username and Password, when Username is set, are the credentials of
	// every registry this client talks to, instead of the credential
	// store's (Helm's push --username/--password).
	Username, Password string
	// UserAgent is sent with every request.
	UserAgent string
	// Cache, when set, keeps pulled manifests and blobs by digest so that
	// pulling the same digest again does not download it.
	Cache *Cache
	// Retry is the retry policy of every request; the zero value is
	// DefaultRetryPolicy.
	Retry RetryPolicy
}

// Client pushes and pulls charts to and from OCI registries, and logs in and
// out of them. It is safe for concurrent use.
type Client struct {
	opts       Options
	httpClient *http.Client
	store      credentials.Store
	storePath  string
	auth       *auth.Client
}

// NewClient returns a Client configured by opts. It reads the TLS files and
// opens the credential store, and fails if either is unusable.
func NewClient(opts Options) (*Client, error) {
	tlsConfig, err := newTLSConfig(opts)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	c := &Client{opts: opts, httpClient: &http.Client{Transport: opts.Retry.Wrap(transport)}}

	storeOpts := credentials.StoreOptions{AllowPlaintextPut: true}
	var store *credentials.DynamicStore
	if opts.RegistryConfig != "" {
		store, err = credentials.NewStore(opts.RegistryConfig, storeOpts)
	} else {
		storeOpts.DetectDefaultNativeStore = true
		store, err = credentials.NewStoreFromDocker(storeOpts)
	}
	if err != nil {
		return nil, fmt.Errorf("open credential store %s: %w", orDocker(opts.RegistryConfig), err)
	}
	c.store, c.storePath = store, store.ConfigPath()

	header := http.Header{}
	if opts.UserAgent != "" {
		header.Set("User-Agent", opts.UserAgent)
	}
	credential := credentials.Credential(c.store)
	if opts.Username != "" {
		static := auth.Credential{Username: opts.Username, Password: opts.Password}
		credential = func(context.Context, string) (auth.Credential, error) { return static, nil }
	}
	c.auth = &auth.Client{
		Client:     c.httpClient,
		Header:     header,
		Credential: credential,
		Cache:      auth.NewCache(),
	}
	return c, nil
}

func orDocker(path string) string {
	if path == "" {
		return "docker config"
	}
	return path
}

// credentialsSource names where credentials come from, for hints.
func (c *Client) credentialsSource() string {
	return c.storePath
}

func newTLSConfig(opts Options) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: opts.InsecureSkipTLSVerify} //nolint:gosec // the user asked for it
	if opts.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read CA file %s: no PEM certificate found", opts.CAFile)
		}
		cfg.RootCAs = pool
	}
	if opts.CertFile != "" || opts.KeyFile != "" {
		if opts.CertFile == "" || opts.KeyFile == "" {
			return nil, fmt.Errorf("client certificate: need both a certificate file and a key file")
		}
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate %s and key %s: %w", opts.CertFile, opts.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// repository returns the remote repository of ref, authenticated with the
// client's credentials.
func (c *Client) repository(ref Reference) *remote.Repository {
	return &remote.Repository{
		Client:    c.auth,
		Reference: registry.Reference{Registry: ref.Registry, Repository: ref.Repository, Reference: ref.reference()},
		PlainHTTP: c.opts.PlainHTTP,
	}
}

// registry returns the remote registry host, authenticated with the
// client's credentials.
func (c *Client) registry(host string) *remote.Registry {
	reg := &remote.Registry{}
	reg.Reference = registry.Reference{Registry: host}
	reg.Client = c.auth
	reg.PlainHTTP = c.opts.PlainHTTP
	return reg
}
