package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render"
)

// packageOptions are the flags and arguments of berth package.
type packageOptions struct {
	chartPath   string
	destination string
	version     string
	appVersion  string
	sign        signFlags
	output      outputFlags
	// depUpdate is -u/--dependency-update; deps holds the connection
	// flags it fetches with.
	depUpdate bool
	deps      dependencyFetchOptions
}

// packageResult is what berth package -o json|yaml prints.
type packageResult struct {
	// Path is the archive written.
	Path    string `json:"path"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Prov is the provenance file written beside the archive by --sign.
	Prov string `json:"prov,omitempty"`
	// SignedBy and Fingerprint name the key that signed, with --sign.
	SignedBy    string `json:"signedBy,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

func newPackageCmd(f *Factory) *cobra.Command {
	o := &packageOptions{}
	cmd := &cobra.Command{
		Use:   "package CHART",
		Short: "pack a chart directory into a versioned .tgz archive",
		Long: `Pack the chart directory CHART into NAME-VERSION.tgz, in the current
directory or in --destination, and print the archive's path.

Files matched by the chart's .helmignore are left out. Subcharts in charts/
are packed too, expanded, as Helm packs them; every dependency listed in
Chart.yaml must be there (vendor them first). --version and --app-version
replace Chart.yaml's version and appVersion in the archive, not on disk.

The archive is reproducible: the same chart packs to the same bytes
whenever and wherever it is packed (sorted entries, fixed times and owners),
so its digest identifies its content. It is written to a temporary file and
renamed, so an interrupted run leaves no partial archive.

--sign signs the archive as 'helm package --sign' does: it writes
NAME-VERSION.tgz.prov beside it, an OpenPGP clear-signed copy of Chart.yaml
and the archive's SHA-256, which 'berth verify' and 'helm verify' check.
--key names the key (its user ID or a part of it, such as the email
address); --keyring is a GnuPG keyring file holding the secret key, binary
or ASCII-armored (gpg --export-secret-keys [--armor]). A key protected by a
passphrase reads it from --passphrase-file (the first line; - for standard
input), or asks on the terminal. The key is unlocked before anything is
written, and the archive and its .prov are each written to a temporary file
and renamed, so a failure leaves neither half-written. Packing without
--sign leaves an earlier .prov alone, with a warning when it does not sign
the new archive (berth push would push it along).`,
		Example: `  berth package ./web
  berth package ./web -d dist --version 1.4.0 --app-version 2.3.1
  berth push "$(berth package ./web)" oci://ghcr.io/acme/charts
  berth package ./web --sign --key release@acme.example --keyring ~/.gnupg/secring.gpg \
    --passphrase-file ~/.config/acme/signing-passphrase`,
		Args: exactArgs("chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.chartPath = args[0]
			if err := o.validate(); err != nil {
				return err
			}
			return runPackage(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.destination, "destination", "d", ".", "directory to write the archive to")
	fs.StringVar(&o.version, "version", "", "set the chart's version (a semantic version)")
	fs.StringVar(&o.appVersion, "app-version", "", "set the chart's appVersion")
	o.sign.AddFlags(fs)
	o.output.AddFlags(fs)
	o.addDependencyFlags(fs)
	return cmd
}

// addDependencyFlags adds -u/--dependency-update and the connection flags
// it fetches dependencies with, Helm's names.
func (o *packageOptions) addDependencyFlags(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.depUpdate, "dependency-update", "u", false,
		"fetch the chart's dependencies into charts/ first, as berth dependency update does")
	d := &o.deps
	fs.StringVar(&d.username, "username", "", "with -u, user name for chart repositories given by URL and not added")
	fs.StringVar(&d.password, "password", "", "with -u, password for --username")
	fs.BoolVar(&d.registry.PlainHTTP, "plain-http", false, "with -u, talk plain HTTP to registries")
	fs.StringVar(&d.registry.CAFile, "ca-file", "", "with -u, trust the CA certificates in this PEM file")
	fs.StringVar(&d.registry.CertFile, "cert-file", "", "with -u, client certificate (PEM) for mutual TLS")
	fs.StringVar(&d.registry.KeyFile, "key-file", "", "with -u, client key (PEM) for --cert-file")
	fs.StringVar(&d.registry.RegistryConfig, "registry-config", "", "with -u, docker-style config.json holding registry credentials")
}

func (o *packageOptions) validate() error {
	if o.version != "" {
		if _, err := semver.NewVersion(o.version); err != nil {
			return usageErrorf("invalid --version %q: %v", o.version, err)
		}
	}
	if err := o.sign.Validate(); err != nil {
		return err
	}
	return o.output.Validate()
}

func runPackage(ctx context.Context, f *Factory, o *packageOptions) error {
	fi, err := os.Stat(o.chartPath)
	if err != nil {
		return fmt.Errorf("package chart: %w", err)
	}
	if !fi.IsDir() {
		return &UsageError{
			Err:  fmt.Errorf("package chart %q: not a directory; only chart directories can be packaged", o.chartPath),
			Hint: "Give the chart's directory, for example: berth package ./web",
		}
	}
	if o.depUpdate {
		o.deps.chartPath = o.chartPath
		deps, err := o.deps.dependencies(f)
		if err != nil {
			return err
		}
		if _, err := deps.Update(ctx); err != nil {
			return fmt.Errorf("package chart %q: --dependency-update: %w", o.chartPath, err)
		}
	}
	c, err := chart.LoadDir(o.chartPath)
	if err != nil {
		return err
	}
	if o.version != "" {
		c.Metadata.Version = o.version
	}
	if o.appVersion != "" {
		c.Metadata.AppVersion = o.appVersion
	}
	if err := render.CheckDependencies(c); err != nil {
		return fmt.Errorf("package chart %q: %w", c.Name(), err)
	}
	res := packageResult{Name: c.Name(), Version: c.Metadata.Version}
	if err := savePackage(f, o, c, &res); err != nil {
		return err
	}
	path := res.Path
	return o.output.Print(f.Out, res, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, path)
		return err
	})
}

// savePackage writes the archive, and its .prov with --sign. Unsigned, it
// warns when a .prov left beside the archive by an earlier signing does not
// sign the new one, since berth push would push it along.
func savePackage(f *Factory, o *packageOptions, c *chart.Chart, res *packageResult) error {
	if o.sign.sign {
		return packageSigned(f, o, c, res)
	}
	path, err := chart.Save(c, o.destination)
	if err != nil {
		return err
	}
	res.Path = path
	warnStaleProv(f, path)
	return nil
}
