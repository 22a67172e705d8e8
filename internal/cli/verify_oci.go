package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/berth-sh/berth/pkg/signing"
)

// verifyOCIResult is what berth verify oci://... -o json|yaml prints.
type verifyOCIResult struct {
	// Ref is the chart verified, by digest.
	Ref string `json:"ref"`
	// Digest is the manifest digest the signature signs.
	Digest string `json:"digest"`
	// Location, Policy, Rule and Mode say which rule applied.
	Location string `json:"location"`
	Policy   string `json:"policy,omitempty"`
	Rule     string `json:"rule"`
	Mode     string `json:"mode"`
	// Signature is the signature accepted.
	Signature *signing.Signature `json:"signature"`
}

func (o *verifyOptions) validateOCI() error {
	if o.keyring != "" {
		return &UsageError{
			Err:  fmt.Errorf("verify %s: --keyring is for chart archives; an OCI chart's keyrings are named in the trust policy", o.archive),
			Hint: "Give cosign public keys with --key, or a trust policy with --policy.",
		}
	}
	if len(o.keys) > 0 && o.policy != "" {
		return &UsageError{
			Err:  fmt.Errorf("verify %s: --key and --policy are exclusive", o.archive),
			Hint: "Give the keys with --key, or put them in a rule of the policy.",
		}
	}
	return nil
}

// verifyPolicy is the policy of verify oci://: one rule of the --key keys,
// or the trust policy.
func (o *verifyOptions) verifyPolicy() (*signing.Policy, error) {
	if len(o.keys) > 0 {
		return signing.PolicyForKeys(o.keys), nil
	}
	p, err := loadTrustPolicy(o.policy)
	if err != nil {
		return nil, err
	}
	if p == nil {
		path, _ := signing.DefaultPolicyPath()
		return nil, &UsageError{
			Err:  fmt.Errorf("verify %s: no cosign key and no trust policy to verify against", o.archive),
			Hint: fmt.Sprintf("Give the signer's public key with --key cosign.pub, a policy with --policy FILE, or write the default policy %s (see docs/signing.md).", path),
		}
	}
	return p, nil
}

func runVerifyOCI(ctx context.Context, f *Factory, o *verifyOptions) error {
	policy, err := o.verifyPolicy()
	if err != nil {
		return err
	}
	client, err := o.registry.Client()
	if err != nil {
		return fmt.Errorf("verify %s: %w", o.archive, err)
	}
	ref, err := resolveDigest(ctx, f, client, o.archive, "verify")
	if err != nil {
		return err
	}
	// A provenance layer is read only when the rule has a keyring.
	var archiveName string
	var archive, prov []byte
	if rule := policy.Match("oci://" + ref.Registry + "/" + ref.Repository); rule != nil && rule.Keyring != "" {
		pulled, err := client.Pull(ctx, ref.String(), "")
		if err != nil {
			return err
		}
		archiveName, archive, prov = pulled.Name+"-"+pulled.Version+".tgz", pulled.Archive, pulled.Prov
	}
	res, err := signing.NewVerifier(policy).VerifyOCI(ctx, client, ref, archiveName, archive, prov)
	if err != nil {
		return err
	}
	if !res.Verified() {
		return fmt.Errorf("verify %s: %w: %s (%s is in warn mode: install, upgrade and pull would use the chart with a warning)",
			ref, signing.ErrNotSigned, strings.TrimPrefix(res.Failure, signing.ErrNotSigned.Error()+": "), res.Rule)
	}
	out := verifyOCIResult{
		Ref: ref.String(), Digest: res.Digest, Location: res.Location,
		Policy: res.Policy, Rule: res.Rule, Mode: string(res.Mode), Signature: res.Signature,
	}
	return o.output.Print(f.Out, out, func(w io.Writer) error { return printVerifyOCI(w, out) })
}

func printVerifyOCI(w io.Writer, res verifyOCIResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Verified: %s\n", res.Ref)
	fmt.Fprintf(&b, "Digest: %s\n", res.Digest)
	fmt.Fprintf(&b, "Signed by: %s\n", describeSigner(res.Signature))
	fmt.Fprintf(&b, "Format: %s\n", res.Signature.Format)
	if res.Policy != "" {
		fmt.Fprintf(&b, "Rule: %s (%s, mode %s)\n", res.Rule, res.Policy, res.Mode)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
