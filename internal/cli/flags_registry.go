package cli

import (
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/internal/version"
	"github.com/berth-sh/berth/pkg/oci"
)

// registryFlags is the flag group of every command that talks to an OCI
// registry: how to connect (TLS, plain HTTP) and where credentials live.
type registryFlags struct {
	PlainHTTP             bool
	InsecureSkipTLSVerify bool
	CAFile                string
	CertFile              string
	KeyFile               string
	RegistryConfig        string
	// Username and Password are push's --username/--password.
	Username, Password string
}

// AddCredentialFlags adds --username and --password, registry
// credentials that replace the stored ones for this command (Helm's push
// flags).
func (r *registryFlags) AddCredentialFlags(fs *pflag.FlagSet) {
	fs.StringVar(&r.Username, "username", "", "registry user name, instead of the credentials berth registry login stored")
	fs.StringVar(&r.Password, "password", "", "registry password for --username (visible to other users: prefer berth registry login --password-stdin)")
}

// AddFlags adds the registry connection flags to fs.
func (r *registryFlags) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&r.PlainHTTP, "plain-http", false, "talk plain HTTP to the registry instead of HTTPS")
	fs.BoolVar(&r.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false,
		"accept any registry certificate (testing only)")
	fs.StringVar(&r.CAFile, "ca-file", "", "trust the CA certificates in this PEM file for the registry")
	fs.StringVar(&r.CertFile, "cert-file", "", "client certificate (PEM) for registries that require mutual TLS")
	fs.StringVar(&r.KeyFile, "key-file", "", "client key (PEM) for --cert-file")
	fs.StringVar(&r.RegistryConfig, "registry-config", "",
		"docker-style config.json holding registry credentials (default: docker's, $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
}

// options returns the client options the flags select.
func (r *registryFlags) options() oci.Options {
	return oci.Options{
		PlainHTTP:             r.PlainHTTP,
		InsecureSkipTLSVerify: r.InsecureSkipTLSVerify,
		CAFile:                r.CAFile,
		CertFile:              r.CertFile,
		KeyFile:               r.KeyFile,
		RegistryConfig:        r.RegistryConfig,
		Username:              r.Username,
		Password:              r.Password,
		UserAgent:             "berth/" + version.Get().Version,
	}
}

// Client returns a registry client configured by the flags.
func (r *registryFlags) Client() (*oci.Client, error) {
	return oci.NewClient(r.options())
}

// CachedClient returns a registry client that keeps pulled charts in
// berth's OCI cache (see oci.DefaultCacheDir). Without a user cache
// directory it works uncached.
func (r *registryFlags) CachedClient() (*oci.Client, error) {
	opts := r.options()
	if dir, err := oci.DefaultCacheDir(); err == nil {
		opts.Cache = oci.NewCache(dir)
	}
	return oci.NewClient(opts)
}
