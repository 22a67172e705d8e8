package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/oci"
)

// copyOptions are the flags and arguments of berth copy.
type copyOptions struct {
	registry registryFlags
	output   outputFlags
	src, dst string
}

func newCopyCmd(f *Factory) *cobra.Command {
	o := &copyOptions{}
	cmd := &cobra.Command{
		Use:     "copy oci://SRC/NAME:TAG|@DIGEST oci://DST/PATH[:TAG]",
		Aliases: []string{"cp"},
		Short:   "copy a chart from one registry to another with its signatures, SBOMs and attestations",
		Long: `Copy a chart (or any OCI artifact) by digest from one registry or repository
to another, with every artifact that refers to it: cosign and Notation
signatures, SBOMs, attestations, and their own referrers (oras-go's extended
copy), and cosign's sha256-DIGEST.sig, .att and .sbom tags. Manifests and
blobs are copied byte for byte, so the destination digest is the source's
and the signatures still verify there.

SRC names the version by tag or digest. DST is the destination repository,
optionally with a tag; without one it gets SRC's tag, and none when SRC was
given by digest only.

The tag is written last, after every manifest and blob is in place: a copy
that fails or is killed leaves no tag pointing at a missing manifest, and
running it again finishes it. Registry faults (429, 5xx, lost connections)
are retried as for every registry request. Credentials for both registries
come from 'berth registry login' (the registry config); TLS flags apply to
both.

The destination reference and digest and the referrers copied are printed;
-o json or -o yaml prints them as an object: source, destination, digest,
referrers (digest, artifactType), legacyTags.`,
		Example: `  berth copy oci://registry-a.example/charts/web:1.4.0 oci://registry-b.example/mirror/web
  berth copy oci://ghcr.io/acme/charts/web@sha256:6c3c0e… oci://acme.azurecr.io/charts/web:1.4.0 -o json`,
		Args: exactArgs("source", "destination"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.src, o.dst = args[0], args[1]
			if err := o.validate(); err != nil {
				return err
			}
			return runCopy(cmd.Context(), f, o)
		},
	}
	o.registry.AddFlags(cmd.Flags())
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func (o *copyOptions) validate() error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	for _, ref := range []string{o.src, o.dst} {
		if !oci.IsReference(ref) {
			return &UsageError{
				Err:  fmt.Errorf("copy: %q is not an OCI reference", ref),
				Hint: "Give both as oci://HOST/PATH, for example: berth copy oci://a.example/charts/web:1.4.0 oci://b.example/charts/web",
			}
		}
	}
	return nil
}

func runCopy(ctx context.Context, f *Factory, o *copyOptions) error {
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("copy %s: %w", o.src, err)
	}
	res, err := client.Copy(ctx, o.src, o.dst)
	if err != nil {
		return err
	}
	return o.output.Print(f.Out, res, func(w io.Writer) error {
		var b strings.Builder
		fmt.Fprintf(&b, "Copied: %s\nTo: %s\nDigest: %s\n", res.Source, res.Destination, res.Digest)
		for _, r := range res.Referrers {
			fmt.Fprintf(&b, "Referrer: %s %s\n", r.Digest, r.ArtifactType)
		}
		for _, t := range res.LegacyTags {
			fmt.Fprintf(&b, "Tag: %s\n", t)
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}
