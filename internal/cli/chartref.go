package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/provenance"
	"github.com/berth-sh/berth/pkg/render"
	"github.com/berth-sh/berth/pkg/repo"
	"github.com/berth-sh/berth/pkg/signing"
)

// chartArgHelp tells, in the Long help of every command that takes a
// CHART, what CHART may be.
const chartArgHelp = `CHART is one of:
  ./DIR or ARCHIVE.tgz   a chart directory or archive (--version is ignored)
  REPO/NAME              a chart of a repository added with berth repo add,
                         found in its cached index (berth repo update
                         refreshes it) and checked against the index's digest
  NAME --repo URL        a chart of the repository at URL, fetched now
  https://.../NAME.tgz   a chart archive at a URL
  oci://HOST/PATH/NAME   a chart in an OCI registry, [:TAG|@DIGEST] optional
--version picks an exact version or the highest matching a SemVer
constraint ("~1.2", "^2", ">=1.0.0 <2.0.0"); --devel admits pre-releases.`

// chartRefFlags are the flags of commands that take a CHART: which version,
// from which repository, with which credentials and TLS settings, and
// whether to verify its provenance. They are Helm's names.
type chartRefFlags struct {
	version         string
	devel           bool
	repoURL         string
	username        string
	password        string
	passCredentials bool
	verify          bool
	keyring         string
	// policy is --policy: the trust policy file, implying --verify.
	policy string
	// fetchProv is set by pull --prov: fetch the provenance file too.
	fetchProv bool
	// dependencyUpdate is --dependency-update, on the commands that add it.
	dependencyUpdate bool
	registry         registryFlags
}

// AddFlags adds the chart source flags to fs.
func (c *chartRefFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.version, "version", "",
		"chart version or SemVer constraint (e.g. 1.2.3, ~1.2, ^2.0.0) for a repository or oci:// CHART; "+
			"default: the highest release; ignored for a local chart, as Helm ignores it")
	fs.BoolVar(&c.devel, "devel", false, "admit pre-release versions too (the constraint >0.0.0-0); ignored when --version is set")
	fs.StringVar(&c.repoURL, "repo", "", "chart repository URL: CHART is then a chart name in its index.yaml")
	fs.StringVar(&c.username, "username", "", "user name for --repo or an archive URL")
	fs.StringVar(&c.password, "password", "", "password for --repo or an archive URL")
	fs.BoolVar(&c.passCredentials, "pass-credentials", false, "send --username/--password to chart URLs on other hosts than the repository's too")
	fs.BoolVar(&c.verify, "verify", false,
		"check the chart's provenance file (NAME-VERSION.tgz.prov, or the OCI provenance layer) against --keyring before using it")
	fs.StringVar(&c.keyring, "keyring", "",
		"OpenPGP public keyring (GnuPG format) for --verify (default: pubring.gpg, or pubring.kbx, in $GNUPGHOME or ~/.gnupg, as Helm's)")
	fs.StringVar(&c.policy, "policy", "", policyFlagHelp)
	r := &c.registry
	fs.BoolVar(&r.PlainHTTP, "plain-http", false, "talk plain HTTP to the registry instead of HTTPS")
	fs.BoolVar(&r.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false,
		"accept any certificate of the chart's registry or repository (testing only)")
	fs.StringVar(&r.CAFile, "ca-file", "", "trust the CA certificates in this PEM file for the chart's registry or repository")
	fs.StringVar(&r.CertFile, "cert-file", "", "client certificate (PEM) for registries and repositories that require mutual TLS")
	fs.StringVar(&r.KeyFile, "key-file", "", "client key (PEM) for --cert-file")
	fs.StringVar(&r.RegistryConfig, "registry-config", "",
		"docker-style config.json holding registry credentials (default: $BERTH_REGISTRY_CONFIG, $HELM_REGISTRY_CONFIG, "+
			"or docker's: $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
}

// AddDependencyUpdateFlag adds --dependency-update to fs.
func (c *chartRefFlags) AddDependencyUpdateFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&c.dependencyUpdate, "dependency-update", false,
		"when a chart directory lacks dependencies in charts/, fetch them first, as berth dependency update does")
}

// request returns the chart request for ref.
func (c *chartRefFlags) request(ref string) action.ChartRequest {
	return action.ChartRequest{
		Ref: ref, Version: c.version, Devel: c.devel, RepoURL: c.repoURL, Verify: c.verify || c.policy != "", FetchProv: c.fetchProv,
		Repo: repo.Entry{
			Username: c.username, Password: c.password, PassCredentialsAll: c.passCredentials,
			CAFile: c.registry.CAFile, CertFile: c.registry.CertFile, KeyFile: c.registry.KeyFile,
			InsecureSkipTLSVerify: c.registry.InsecureSkipTLSVerify,
		},
	}
}

// locate finds and loads the chart ref names, telling the user of its
// warnings on stderr.
func (c *chartRefFlags) locate(ctx context.Context, f *Factory, ref string) (*action.LocatedChart, error) {
	req := c.request(ref)
	loc := f.chartLocator(&c.registry, c.keyring)
	if req.Verify {
		policy, err := c.chartPolicy()
		if err != nil {
			return nil, err
		}
		loc.Policy = policy
	}
	lc, err := loc.Locate(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, w := range lc.Warnings {
		fmt.Fprintf(f.ErrOut, "Warning: %s: %s\n", lc.Ref, w)
	}
	f.Logger().Debug("chart located", "ref", lc.Ref, "source", lc.Kind, "version", lc.Version, "digest", lc.Digest)
	return lc, nil
}

// load is locate for commands that need only the chart.
func (c *chartRefFlags) load(ctx context.Context, f *Factory, ref string) (*chart.Chart, error) {
	lc, err := c.locate(ctx, f, ref)
	if err != nil {
		return nil, err
	}
	return lc.Chart, nil
}

// loadRenderable is load for commands that render the chart: its
// dependencies must be in charts/, or be fetched first with
// --dependency-update (chart directories only, as in Helm).
func (c *chartRefFlags) loadRenderable(ctx context.Context, f *Factory, ref string) (*chart.Chart, error) {
	lc, err := c.locateRenderable(ctx, f, ref)
	if err != nil {
		return nil, err
	}
	return lc.Chart, nil
}

// locateRenderable is loadRenderable keeping where the chart came from,
// for the provenance install and upgrade record.
func (c *chartRefFlags) locateRenderable(ctx context.Context, f *Factory, ref string) (*action.LocatedChart, error) {
	lc, err := c.locate(ctx, f, ref)
	if err != nil {
		return nil, err
	}
	if err := render.CheckDependencies(lc.Chart); err != nil {
		if !c.dependencyUpdate || lc.Kind != action.SourceLocal || lc.Archive != nil {
			return nil, fmt.Errorf("chart %s: %w: run berth dependency build %s, or pass --dependency-update",
				lc.Ref, err, lc.Ref)
		}
		if lc, err = c.updateDependencies(ctx, f, lc); err != nil {
			return nil, err
		}
	}
	return lc, nil
}

// chartLocator returns the locator of charts for the factory's
// repositories, with the registry flags reg and keyring for --verify.
func (f *Factory) chartLocator(reg *registryFlags, keyring string) *action.ChartLocator {
	cacheDir, _ := f.Repos.cacheDir() // without one, nothing is cached
	return &action.ChartLocator{
		Repositories: func() (*repo.File, error) {
			p, err := f.Repos.configPath()
			if err != nil {
				return nil, err
			}
			return repo.LoadFile(p)
		},
		CacheDir:  cacheDir,
		Registry:  reg.CachedClient,
		UserAgent: userAgent(),
		Verifier:  keyringVerifier(keyring),
	}
}

// keyringVerifier returns the locator's provenance check with the keyring
// at path, read when the first chart is verified.
func keyringVerifier(path string) func(name string, archive, prov []byte) (*action.Verification, error) {
	var keyring *provenance.Keyring
	return func(name string, archive, prov []byte) (*action.Verification, error) {
		if keyring == nil {
			if path == "" {
				path = provenance.DefaultKeyring()
			}
			k, err := provenance.LoadKeyring(path)
			if err != nil {
				return nil, fmt.Errorf("--keyring: %w", err)
			}
			keyring = k
		}
		v, err := provenance.Verify(name, archive, prov, keyring)
		if err != nil {
			return nil, err
		}
		return &action.Verification{
			Signer: strings.Join(v.SignedBy, ", "), Fingerprint: v.Fingerprint, Method: signing.FormatProv, Digest: v.Digest,
		}, nil
	}
}

// updateDependencies fetches the dependencies of the chart directory lc
// into its charts/ (and Chart.lock), as --dependency-update does in Helm,
// and loads the chart again.
func (c *chartRefFlags) updateDependencies(ctx context.Context, f *Factory, lc *action.LocatedChart) (*action.LocatedChart, error) {
	configPath, err := f.Repos.configPath()
	if err != nil {
		return nil, err
	}
	repos, err := repo.LoadFile(configPath)
	if err != nil {
		return nil, err
	}
	cacheDir, _ := f.Repos.cacheDir()
	var policy action.ChartPolicy
	if c.verify || c.policy != "" {
		if policy, err = dependencyPolicy(c.policy, c.keyring, c.registry.CachedClient); err != nil {
			return nil, err
		}
	}
	deps := &action.Dependencies{
		Policy:       policy,
		ChartPath:    lc.Ref,
		Repositories: repos,
		CacheDir:     cacheDir,
		Unadded:      c.request("").Repo,
		UserAgent:    userAgent(),
		Registry:     c.registry.CachedClient,
		Log:          func(msg string) { fmt.Fprintln(f.ErrOut, msg) },
	}
	if _, err := deps.Update(ctx); err != nil {
		return nil, fmt.Errorf("--dependency-update of %s: %w", lc.Ref, err)
	}
	ch, err := chart.Load(lc.Ref)
	if err != nil {
		return nil, err
	}
	lc.Chart = ch
	return lc, nil
}
