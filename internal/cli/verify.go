package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/provenance"
	"github.com/berth-sh/berth/pkg/signing"
)

// verifyOptions are the flags and arguments of berth verify.
type verifyOptions struct {
	archive string
	keyring string
	output  outputFlags
	// keys and policy are for oci:// charts: cosign public keys, or the
	// trust policy file.
	keys     []string
	policy   string
	registry registryFlags
}

// verifyResult is what berth verify -o json|yaml prints.
type verifyResult struct {
	// File is the archive verified, as given.
	File string `json:"file"`
	// Prov is its provenance file.
	Prov string `json:"prov"`
	// Digest is the archive's digest, "sha256:HEX", equal to the signed one.
	Digest string `json:"digest"`
	// Chart and Version are the name and version in the signed Chart.yaml.
	Chart   string `json:"chart"`
	Version string `json:"version"`
	// SignedBy are the user IDs of the signing key.
	SignedBy []string `json:"signedBy"`
	// Fingerprint is the signing key's fingerprint; KeyID the ID of the
	// (sub)key that made the signature.
	Fingerprint string    `json:"fingerprint"`
	KeyID       string    `json:"keyID"`
	SignedAt    time.Time `json:"signedAt"`
	// Keyring is the keyring file the signer's key was found in.
	Keyring string `json:"keyring"`
}

func newVerifyCmd(f *Factory) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify CHART.tgz | oci://HOST/PATH/NAME[:TAG|@DIGEST]",
		Short: "verify a chart's signature: an archive's .prov, or an OCI chart's cosign or Notation signatures",
		Long: `Verify a chart's signature.

For an oci:// chart (by tag, resolved once, or by digest), berth checks the
signatures attached to its manifest digest: cosign's Sigstore bundles (the
referrers 'cosign sign --key' and 'berth sign' write), cosign's older
sha256-DIGEST.sig tag, and Notation signatures. With --key (repeatable) the
chart must be signed by one of those cosign public keys; otherwise the trust
policy decides (--policy FILE, or the default policy), whose rule for the
chart's registry names the trusted keys, certificate identities, Notation
certificates or keyring. The signer, the signature's format and the verified
digest are printed; -o json or -o yaml prints them as an object: ref,
digest, location, policy, rule, mode, signature (format, signer, issuer,
key, manifest). berth exits 1 when no signature is accepted, even under a
rule in warn mode. See docs/signing.md.

For a chart archive, verify that CHART.tgz is signed by a key of the keyring and
has not changed since, as 'helm verify' does: CHART.tgz.prov, beside the
archive, must be an OpenPGP clear-signed provenance file (written by
'berth package --sign' or 'helm package --sign') whose signature was made by
a key in --keyring that is neither expired nor revoked, and that signs the
archive's name with its SHA-256.

--keyring is a GnuPG keyring file of public keys: a legacy keyring
(pubring.gpg, gpg --export), ASCII-armored keys (gpg --export --armor, one
or more concatenated) or a GnuPG keybox (pubring.kbx). It defaults to
$GNUPGHOME/pubring.gpg ($GNUPGHOME defaulting to ~/.gnupg), or pubring.kbx
there when only that exists.

On success the signer, the key's fingerprint and the verified digest are
printed; -o json or -o yaml prints them as an object: file, prov, digest,
chart, version, signedBy, fingerprint, keyID, signedAt, keyring. When
verification fails berth exits 1 and says why: no .prov, a key not in the
keyring, an invalid signature, an expired or revoked key, or an archive whose
digest is not the signed one.`,
		Example: `  berth verify web-1.4.0.tgz
  berth verify dist/web-1.4.0.tgz --keyring acme-release.asc -o json
  berth verify oci://ghcr.io/acme/charts/web:1.4.0 --key cosign.pub
  berth verify oci://ghcr.io/acme/charts/web@sha256:6c3c0e… --policy trust-policy.yaml -o json`,
		Args: exactArgs("chart archive or oci:// reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.archive = args[0]
			if err := o.validate(); err != nil {
				return err
			}
			if oci.IsReference(o.archive) {
				return runVerifyOCI(cmd.Context(), f, o)
			}
			return runVerify(f, o)
		},
	}
	cmd.Flags().StringVar(&o.keyring, "keyring", "", "GnuPG keyring file with the signer's public key, for an archive (default $GNUPGHOME/pubring.gpg, $GNUPGHOME defaulting to ~/.gnupg)")
	cmd.Flags().StringArrayVar(&o.keys, "key", nil, "cosign public key file (cosign.pub) an oci:// chart must be signed by; repeat for several")
	cmd.Flags().StringVar(&o.policy, "policy", "", "trust policy file for an oci:// chart, instead of --key (default: $"+signing.EnvPolicy+
		", or berth/trust-policy.yaml in the user config directory)")
	o.registry.AddFlags(cmd.Flags())
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func (o *verifyOptions) validate() error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if oci.IsReference(o.archive) {
		return o.validateOCI()
	}
	if len(o.keys) > 0 || o.policy != "" {
		return &UsageError{
			Err:  fmt.Errorf("verify %s: --key and --policy are for oci:// charts; an archive is verified by its .prov against --keyring", o.archive),
			Hint: "Drop --key and --policy, or give the chart's oci:// reference.",
		}
	}
	fi, err := os.Stat(o.archive)
	if err != nil {
		return fmt.Errorf("verify %s: %w", o.archive, err)
	}
	if fi.IsDir() || !strings.EqualFold(filepath.Ext(o.archive), ".tgz") {
		return &UsageError{
			Err:  fmt.Errorf("verify %s: not a chart archive: only packaged charts (.tgz) are signed", o.archive),
			Hint: "Give the archive, for example: berth verify web-1.4.0.tgz (package a directory with berth package --sign)",
		}
	}
	return nil
}

func runVerify(f *Factory, o *verifyOptions) error {
	path := o.keyring
	if path == "" {
		path = provenance.DefaultKeyring()
	}
	ring, err := provenance.LoadKeyring(path)
	if err != nil {
		return err
	}
	v, err := provenance.VerifyFile(o.archive, ring)
	if err != nil {
		return err
	}
	res := verifyResult{
		File: o.archive, Prov: o.archive + ".prov", Digest: v.Digest,
		Chart: v.ChartName, Version: v.ChartVersion,
		SignedBy: v.SignedBy, Fingerprint: v.Fingerprint, KeyID: v.KeyID, SignedAt: v.SignedAt,
		Keyring: path,
	}
	return o.output.Print(f.Out, res, func(w io.Writer) error { return printVerifyTable(w, res) })
}

// printVerifyTable prints Helm's lines (Signed by, Using Key With
// Fingerprint, Chart Hash Verified), so scripts reading helm verify's output
// read berth's, then the signed chart.
func printVerifyTable(w io.Writer, res verifyResult) error {
	var b strings.Builder
	for _, id := range res.SignedBy {
		fmt.Fprintf(&b, "Signed by: %s\n", id)
	}
	fmt.Fprintf(&b, "Using Key With Fingerprint: %s\n", res.Fingerprint)
	fmt.Fprintf(&b, "Chart Hash Verified: %s\n", res.Digest)
	fmt.Fprintf(&b, "Chart: %s %s\n", res.Chart, res.Version)
	_, err := io.WriteString(w, b.String())
	return err
}
