package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/signing"
)

// cosignKeyFlags name a cosign private key and where its passphrase comes
// from.
type cosignKeyFlags struct {
	key            string
	passphraseFile string
}

// AddFlags adds --key and --passphrase-file to fs; what is the command's
// use of the key, for the help.
func (k *cosignKeyFlags) AddFlags(fs *pflag.FlagSet, what string) {
	fs.StringVar(&k.key, "key", "", what+": a cosign private key file (cosign.key, as cosign generate-key-pair writes it)")
	fs.StringVar(&k.passphraseFile, "passphrase-file", "",
		`file whose first line is the key's passphrase; "-" reads standard input (default: $`+signing.EnvPassword+`, else a prompt on the terminal)`)
}

// load reads the key, asking for its passphrase only when it is encrypted:
// $COSIGN_PASSWORD, --passphrase-file, or the terminal.
func (k *cosignKeyFlags) load(f *Factory) (*signing.Key, error) {
	return signing.LoadKeyFile(k.key, k.passphrase(f))
}

func (k *cosignKeyFlags) passphrase(f *Factory) func() ([]byte, error) {
	if pw, ok := os.LookupEnv(signing.EnvPassword); ok && k.passphraseFile == "" {
		return func() ([]byte, error) { return []byte(pw), nil }
	}
	sf := &signFlags{passphraseFile: k.passphraseFile}
	if p := sf.passphrase(f); p != nil && k.passphraseFile != "" {
		return func() ([]byte, error) { return p(k.key) }
	}
	in, ok := f.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) || !IsTerminal(f.ErrOut) {
		return func() ([]byte, error) {
			return nil, fmt.Errorf("the key is encrypted and there is no terminal to ask for its passphrase: set $%s, or pass --passphrase-file FILE",
				signing.EnvPassword)
		}
	}
	return func() ([]byte, error) {
		fmt.Fprintf(f.ErrOut, "Enter password for private key %s: ", k.key)
		pass, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(f.ErrOut)
		return pass, err
	}
}

// signOptions are the flags and argument of berth sign.
type signOptions struct {
	registry registryFlags
	output   outputFlags
	key      cosignKeyFlags
	ref      string
}

func newSignCmd(f *Factory) *cobra.Command {
	o := &signOptions{}
	cmd := &cobra.Command{
		Use:   "sign oci://HOST/PATH/NAME@DIGEST --key cosign.key",
		Short: "sign a chart in an OCI registry with a cosign key",
		Long: `Sign the chart's manifest digest with a cosign private key and attach the
signature to it in the registry, as 'cosign sign --key' (v3) does: a Sigstore
bundle holding a DSSE envelope of cosign's in-toto sign statement, stored as
an OCI referrer of the manifest (on registries without the referrers API,
listed in the sha256-DIGEST tag's index). 'cosign verify --key cosign.pub
--insecure-ignore-tlog=true' and 'berth verify --key cosign.pub' accept it.
The chart itself is not changed: its digest stays the same.

Give the chart by digest. A tag is resolved first, with a warning: what is
signed is the digest the tag points at now.

--key is cosign's private key file (cosign generate-key-pair writes
cosign.key, an ENCRYPTED SIGSTORE PRIVATE KEY). Its passphrase is read from
$COSIGN_PASSWORD, --passphrase-file, or the terminal; without any of them
berth fails instead of waiting for input. No transparency log entry is
written: berth signs offline.

The signed reference, the signature's digest and the key's fingerprint are
printed; -o json or -o yaml prints them as an object: ref, digest,
signature, key, format. See docs/signing.md.`,
		Example: `  berth sign oci://ghcr.io/acme/charts/web@sha256:6c3c0e… --key cosign.key
  COSIGN_PASSWORD=… berth sign oci://localhost:5000/charts/web:1.4.0 --key cosign.key -o json`,
		Args: exactArgs("chart reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ref = args[0]
			if err := o.validate(); err != nil {
				return err
			}
			return runSign(cmd.Context(), f, o)
		},
	}
	o.key.AddFlags(cmd.Flags(), "the signing key")
	o.registry.AddFlags(cmd.Flags())
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func (o *signOptions) validate() error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if !oci.IsReference(o.ref) {
		return &UsageError{
			Err:  fmt.Errorf("sign %s: not an OCI reference: berth sign signs charts in registries", o.ref),
			Hint: "Give the chart as oci://HOST/PATH/NAME@sha256:DIGEST (chart archives are signed with berth package --sign).",
		}
	}
	if o.key.key == "" {
		return &UsageError{
			Err:  errors.New("sign: --key is required: the cosign private key to sign with"),
			Hint: "Create one with cosign generate-key-pair, then: berth sign " + o.ref + " --key cosign.key",
		}
	}
	return nil
}

func runSign(ctx context.Context, f *Factory, o *signOptions) error {
	key, err := o.key.load(f)
	if err != nil {
		return fmt.Errorf("sign %s: %w", o.ref, err)
	}
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("sign %s: %w", o.ref, err)
	}
	ref, err := resolveDigest(ctx, f, client, o.ref, "sign")
	if err != nil {
		return err
	}
	res, err := signing.Sign(ctx, client, ref, key, time.Now())
	if err != nil {
		return err
	}
	return o.output.Print(f.Out, res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Signed: %s\nSignature: %s\nKey: %s\n", res.Ref, res.Signature, res.Key)
		return err
	})
}

// resolveDigest parses ref and, when it names a tag, resolves it to the
// digest it points at, warning that the digest is what op works on.
func resolveDigest(ctx context.Context, f *Factory, client *oci.Client, ref, op string) (oci.Reference, error) {
	r, err := oci.ParseReference(ref)
	if err != nil {
		return r, err
	}
	if r.Digest != "" {
		return r.WithDigest(r.Digest), nil
	}
	if r.Tag == "" {
		return r, &UsageError{
			Err:  fmt.Errorf("%s %s: name the chart's version by digest (@sha256:…) or tag", op, ref),
			Hint: "For example: berth " + op + " " + ref + ":1.0.0",
		}
	}
	desc, err := client.Resolve(ctx, r)
	if err != nil {
		return r, err
	}
	if op == "sign" {
		fmt.Fprintf(f.ErrOut, "Warning: %s is a tag; signing the digest it points at now, %s: sign by digest to be sure what you sign\n",
			ref, desc.Digest)
	}
	return r.WithDigest(desc.Digest.String()), nil
}
