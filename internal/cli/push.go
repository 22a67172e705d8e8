package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/provenance"
	"github.com/berth-sh/berth/pkg/signing"
)

type pushOptions struct {
	registry registryFlags
	output   outputFlags
	archive  string
	dest     string
	sign     bool
	key      cosignKeyFlags
}

// pushSignedResult is what push --sign -o json|yaml prints: the push's
// result and the signature's.
type pushSignedResult struct {
	*oci.PushResult
	Signature *signing.SignResult `json:"signature"`
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

--sign --key cosign.key then signs the pushed manifest digest as 'berth
sign' does (a cosign-compatible Sigstore bundle attached as a referrer; see
docs/signing.md). The key is loaded, and its passphrase read, before
anything is uploaded.

The pushed reference and manifest digest are printed on stdout; -o json or
-o yaml prints them as an object: ref, name, version, digest, size,
configDigest, chartDigest, chartSize, provDigest, and with --sign signature
(ref, digest, signature, key, format).`,
		Example: `  berth push app-1.2.3.tgz oci://ghcr.io/acme/charts
  berth push app-1.2.3.tgz oci://localhost:5000/charts --plain-http -o json
  berth push app-1.2.3.tgz oci://ghcr.io/acme/charts --sign --key cosign.key`,
		Args: exactArgs("chart", "destination"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.archive, o.dest = args[0], args[1]
			if err := o.validate(); err != nil {
				return err
			}
			return runPush(cmd.Context(), f, o)
		},
	}
	cmd.Flags().BoolVar(&o.sign, "sign", false, "sign the pushed digest with the cosign key --key, as berth sign does")
	o.key.AddFlags(cmd.Flags(), "with --sign, the signing key")
	o.registry.AddFlags(cmd.Flags())
	o.registry.AddCredentialFlags(cmd.Flags())
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func (o *pushOptions) validate() error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if o.sign != (o.key.key != "") {
		return &UsageError{
			Err:  errors.New("push: --sign and --key go together: --sign --key cosign.key signs the pushed chart"),
			Hint: "Create a key with cosign generate-key-pair, then: berth push " + o.archive + " " + o.dest + " --sign --key cosign.key",
		}
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
	var key *signing.Key
	if o.sign {
		k, err := o.key.load(f)
		if err != nil {
			return fmt.Errorf("push %s: %w", o.archive, err)
		}
		key = k
	}
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("push %s: %w", o.archive, err)
	}
	warnStaleProv(f, o.archive)
	res, err := client.PushFile(ctx, o.archive, o.dest)
	if err != nil {
		return err
	}
	if key == nil {
		return o.output.Print(f.Out, res, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "Pushed: %s\nDigest: %s\n", res.Ref, res.Digest)
			return err
		})
	}
	ref, err := oci.ParseReference(res.Ref)
	if err != nil {
		return err
	}
	sig, err := signing.Sign(ctx, client, ref.WithDigest(res.Digest), key, time.Now())
	if err != nil {
		return fmt.Errorf("pushed %s@%s, but signing it failed (sign it again with berth sign): %w", res.Ref, res.Digest, err)
	}
	out := pushSignedResult{PushResult: res, Signature: sig}
	return o.output.Print(f.Out, out, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Pushed: %s\nDigest: %s\nSignature: %s\nKey: %s\n", res.Ref, res.Digest, sig.Signature, sig.Key)
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
