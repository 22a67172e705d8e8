package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/provenance"
)

type pushOptions struct {
	registry registryFlags
	output   outputFlags
	archive  string
	dest     string
}

func newPushCmd(f *Factory) *cobra.Command {
	o := &pushOptions{}
	cmd := &cobra.Command{
		Use:   "push CHART.tgz oci://HOST/PATH",
		Short: "push a packaged chart to an OCI registry",
		Long: `Push a chart archive (made by 'berth package' or 'helm package') to an OCI
registry as a Helm chart artifact, the same artifact 'helm push' writes: the
repository is HOST/PATH/NAME, NAME being the chart's name, and the tag is the
chart's version with "+" written as "_". A provenance file next to the
archive (CHART.tgz.prov, written by 'berth package --sign' or 'helm package
--sign') is pushed with it as the provenance layer, as helm push does; when
it does not sign this archive (another digest or name, or not a provenance
file) berth warns, since every pull with --verify would refuse it, and
pushes it all the same, as Helm does.

The blobs are uploaded first and the tag is written last, so a failed push
never leaves a tag behind. Pushing the same archive again gives the same
digest: the org.opencontainers.image.created annotation is the newest file
time inside the archive (helm push uses the archive file's modification
time), and archives packed without times get none. Credentials come from
'berth registry login' (the registry config).

The pushed reference and manifest digest are printed on stdout; -o json or
-o yaml prints them as an object: ref, name, version, digest, size,
configDigest, chartDigest, chartSize, provDigest.`,
		Example: `  berth push app-1.2.3.tgz oci://ghcr.io/acme/charts
  berth push app-1.2.3.tgz oci://localhost:5000/charts --plain-http -o json`,
		Args: exactArgs("chart", "destination"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.archive, o.dest = args[0], args[1]
			if err := o.validate(); err != nil {
				return err
			}
			return runPush(cmd.Context(), f, o)
		},
	}
	o.registry.AddFlags(cmd.Flags())
	o.registry.AddCredentialFlags(cmd.Flags())
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func (o *pushOptions) validate() error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if !oci.IsReference(o.dest) {
		return &UsageError{
			Err:  fmt.Errorf("push destination %q is not an OCI reference", o.dest),
			Hint: "Give the registry repository as oci://HOST/PATH, for example oci://ghcr.io/acme/charts.",
		}
	}
	return nil
}

func runPush(ctx context.Context, f *Factory, o *pushOptions) error {
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("push %s: %w", o.archive, err)
	}
	warnStaleProv(f, o.archive)
	res, err := client.PushFile(ctx, o.archive, o.dest)
	if err != nil {
		return err
	}
	return o.output.Print(f.Out, res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Pushed: %s\nDigest: %s\n", res.Ref, res.Digest)
		return err
	})
}

// warnStaleProv warns when the provenance file beside archive does not
// sign it. The signature is not checked: that needs the signer's keyring.
func warnStaleProv(f *Factory, archive string) {
	prov, err := os.ReadFile(archive + ".prov")
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	data, aerr := os.ReadFile(archive)
	if err != nil || aerr != nil {
		return // PushFile reports unreadable files
	}
	if err := provenance.CheckArchive(archive, data, prov); err != nil {
		fmt.Fprintf(f.ErrOut, "Warning: %s.prov does not sign %s, so pulls with --verify will refuse it: %v\n", archive, archive, err)
	}
}
