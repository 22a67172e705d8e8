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

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
)

type pullOptions struct {
	registry registryFlags
	output   outputFlags
	ref      string
	version  string
	untar    bool
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
}

func newPullCmd(f *Factory) *cobra.Command {
	o := &pullOptions{}
	cmd := &cobra.Command{
		Use:   "pull oci://HOST/PATH/NAME[:TAG|@DIGEST]",
		Short: "download a chart from an OCI registry",
		Long: `Download a chart from an OCI registry and write it as NAME-VERSION.tgz into
the destination directory, or unpack it there as NAME/ with --untar.

The chart is chosen by the tag or digest in the reference, or by --version:
an exact version or a SemVer constraint ("~1.2", "^2.0.0", ">=1.0.0 <2.0.0")
matched against the repository's tags, highest match first. Pre-releases
match only a constraint that has a pre-release part (">=1.0.0-0"). With
neither, the highest release is pulled. Every blob is checked against its
digest. Charts pushed by Helm, including the legacy layer media type, are
accepted.

The reference and digest pulled are printed on stdout; -o json or -o yaml
prints them as an object: ref, name, version, digest, path, provPath.`,
		Example: `  berth pull oci://ghcr.io/acme/charts/app --version 1.2.3
  berth pull oci://ghcr.io/acme/charts/app --version '~1.2' --untar -d ./vendor
  berth pull oci://localhost:5000/charts/app@sha256:3b1c... --plain-http`,
		Args: exactArgs("chart"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ref = args[0]
			if err := o.validate(); err != nil {
				return err
			}
			return runPull(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.version, "version", "", "chart version or SemVer constraint (default: the highest release)")
	fs.BoolVar(&o.untar, "untar", false, "unpack the chart into DIR/NAME instead of writing the archive")
	fs.StringVarP(&o.destDir, "destination", "d", ".", "directory to write the chart into")
	fs.BoolVar(&o.prov, "prov", false, "also write the provenance file (NAME-VERSION.tgz.prov), when the chart has one")
	o.registry.AddFlags(fs)
	o.output.AddFlags(fs)
	return cmd
}

func (o *pullOptions) validate() error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if !oci.IsReference(o.ref) {
		return &UsageError{
			Err:  fmt.Errorf("chart reference %q is not an OCI reference", o.ref),
			Hint: "Give the chart as oci://HOST/PATH/NAME, for example oci://ghcr.io/acme/charts/app.",
		}
	}
	return nil
}

func runPull(ctx context.Context, f *Factory, o *pullOptions) error {
	client, err := o.registry.CachedClient()
	if err != nil {
		return fmt.Errorf("pull %s: %w", o.ref, err)
	}
	res, err := client.Pull(ctx, o.ref, o.version)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(f.ErrOut, "Warning: %s: %s\n", res.Ref, w)
	}
	out := &pullOutput{Ref: res.Ref, Name: res.Name, Version: res.Version, Digest: res.Digest}
	if err := writePulled(o, res, out); err != nil {
		return err
	}
	return o.output.Print(f.Out, out, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Pulled: %s\nDigest: %s\n", out.Ref, out.Digest)
		return err
	})
}

// writePulled writes the archive (or the unpacked chart) and, with --prov,
// the provenance file, and records the paths in out.
func writePulled(o *pullOptions, res *oci.PullResult, out *pullOutput) error {
	if err := os.MkdirAll(o.destDir, 0o755); err != nil {
		return fmt.Errorf("pull %s: create destination: %w", res.Ref, err)
	}
	archivePath := filepath.Join(o.destDir, res.Name+"-"+res.Version+".tgz")
	if o.untar {
		dir, err := chart.Expand(bytes.NewReader(res.Archive), o.destDir)
		if err != nil {
			return fmt.Errorf("pull %s: %w", res.Ref, err)
		}
		out.Path = dir
	} else {
		if err := writeFileReplacing(archivePath, res.Archive); err != nil {
			return fmt.Errorf("pull %s: %w", res.Ref, err)
		}
		out.Path = archivePath
	}
	if !o.prov {
		return nil
	}
	if res.Prov == nil {
		return fmt.Errorf("pull %s: --prov: the chart has no provenance file", res.Ref)
	}
	out.ProvPath = archivePath + ".prov"
	if err := writeFileReplacing(out.ProvPath, res.Prov); err != nil {
		return fmt.Errorf("pull %s: %w", res.Ref, err)
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
