package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
)

type pullOptions struct {
	chart    chartRefFlags
	output   outputFlags
	ref      string
	untar    bool
	untarDir string
	destDir  string
	prov     bool
}

// pullOutput is what pull reports: the chart pulled and where it went.
type pullOutput struct {
	Ref     string `json:"ref"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
	// Path is the archive written, or the chart directory with --untar.
	Path string `json:"path"`
	// ProvPath is the provenance file written with --prov, "" otherwise.
	ProvPath string `json:"provPath,omitempty"`
	// Signer is who signed the chart, with --verify.
	Signer string `json:"signer,omitempty"`
}

func newPullCmd(f *Factory) *cobra.Command {
	o := &pullOptions{}
	cmd := &cobra.Command{
		Use:   "pull CHART",
		Short: "download a chart from a repository or an OCI registry",
		Long: `Download a chart and write it as NAME-VERSION.tgz into the destination
directory, or unpack it there as NAME/ with --untar.

CHART is REPO/NAME of a repository added with berth repo add (found in its
cached index: run berth repo update to see newer charts), NAME with --repo
URL, the URL of a chart archive, or oci://HOST/PATH/NAME[:TAG|@DIGEST].

The version is the tag or digest in an OCI reference, or --version: an
exact version or a SemVer constraint ("~1.2", "^2.0.0", ">=1.0.0 <2.0.0"),
highest match first. Pre-releases match only a constraint that has a
pre-release part (">=1.0.0-0"), or any with --devel. With neither, the
highest release is pulled. A repository chart is checked against the digest
its index gives, every OCI blob against its digest. Charts pushed by Helm,
including the legacy layer media type, are accepted.

The reference and digest pulled are printed on stdout; -o json or -o yaml
prints them as an object: ref, name, version, digest, path, provPath.`,
		Example: `  berth pull bitnami/nginx --version '22.x' --untar
  berth pull nginx --repo https://charts.example.com --version 1.2.3
  berth pull oci://ghcr.io/acme/charts/app --version '~1.2' --untar -d ./vendor
  berth pull oci://localhost:5000/charts/app@sha256:3b1c... --plain-http`,
		Args: exactArgs("chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ref = args[0]
			if err := o.output.Validate(); err != nil {
				return err
			}
			return runPull(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.untar, "untar", false, "unpack the chart into DIR/NAME instead of writing the archive")
	fs.StringVar(&o.untarDir, "untardir", ".", "with --untar, the directory (relative to --destination) to unpack the chart into")
	fs.StringVarP(&o.destDir, "destination", "d", ".", "directory to write the chart into")
	fs.BoolVar(&o.prov, "prov", false, "also write the provenance file (NAME-VERSION.tgz.prov), when the chart has one")
	o.chart.AddFlags(fs)
	o.output.AddFlags(fs)
	return cmd
}

func runPull(ctx context.Context, f *Factory, o *pullOptions) error {
	if o.prov && !o.chart.verify {
		// --prov downloads the provenance file, which the locator fetches
		// for verification only; ask it to, without a keyring check.
		o.chart.fetchProv = true
	}
	lc, err := o.chart.locate(ctx, f, o.ref)
	if err != nil {
		return err
	}
	out := &pullOutput{Ref: lc.Ref, Name: lc.Chart.Name(), Version: lc.Version, Digest: lc.Digest}
	if lc.Verified != nil {
		out.Signer = lc.Verified.Signer
	}
	if err := writePulled(o, lc, out); err != nil {
		return err
	}
	return o.output.Print(f.Out, out, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Pulled: %s\nDigest: %s\n", out.Ref, out.Digest)
		return err
	})
}

// writePulled writes the archive (or the unpacked chart) and, with --prov,
// the provenance file, and records the paths in out.
func writePulled(o *pullOptions, lc *action.LocatedChart, out *pullOutput) error {
	if err := os.MkdirAll(o.destDir, 0o755); err != nil {
		return fmt.Errorf("pull %s: create destination: %w", lc.Ref, err)
	}
	archivePath := filepath.Join(o.destDir, lc.ArchiveName)
	if o.untar {
		dir := o.untarDir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(o.destDir, dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("pull %s: create --untardir: %w", lc.Ref, err)
		}
		expanded, err := chart.Expand(bytes.NewReader(lc.Archive), dir)
		if err != nil {
			return fmt.Errorf("pull %s: %w", lc.Ref, err)
		}
		out.Path = expanded
	} else {
		if err := writeFileReplacing(archivePath, lc.Archive); err != nil {
			return fmt.Errorf("pull %s: %w", lc.Ref, err)
		}
		out.Path = archivePath
	}
	if !o.prov {
		return nil
	}
	if lc.Prov == nil {
		return fmt.Errorf("pull %s: --prov: the chart has no provenance file", lc.Ref)
	}
	out.ProvPath = archivePath + ".prov"
	if err := writeFileReplacing(out.ProvPath, lc.Prov); err != nil {
		return fmt.Errorf("pull %s: %w", lc.Ref, err)
	}
	return nil
}

// writeFileReplacing writes data to a temporary file next to path and renames
// it into place, so readers never see a partial chart.
func writeFileReplacing(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { //nolint:gosec // charts are not secret
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
