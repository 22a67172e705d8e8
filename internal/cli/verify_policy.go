package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/signing"
)

// policyFlagHelp is the help of --policy on every command that takes it.
const policyFlagHelp = "trust policy file (kind TrustPolicy) that --verify checks charts against, implying --verify " +
	"(default: $" + signing.EnvPolicy + ", or berth/trust-policy.yaml in the user config directory when it exists; " +
	"without either, --verify checks .prov files against --keyring, as Helm does)"

// loadTrustPolicy returns the policy --policy names or, without it, the
// default one when that file exists; nil when there is none.
func loadTrustPolicy(explicit string) (*signing.Policy, error) {
	if explicit != "" {
		return signing.LoadPolicy(explicit)
	}
	path, err := signing.DefaultPolicyPath()
	if err != nil {
		return nil, nil //nolint:nilerr // no config directory: no default policy
	}
	p, err := signing.LoadPolicy(path)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv(signing.EnvPolicy) == "" {
		return nil, nil
	}
	return p, err
}

// chartPolicy returns the locator's check for --verify: the trust policy's
// when there is one, nil otherwise (the locator then checks .prov files
// against --keyring). --keyring with a policy is refused: the policy's
// rules name the keyrings.
func (c *chartRefFlags) chartPolicy() (action.ChartPolicy, error) {
	p, err := loadTrustPolicy(c.policy)
	if err != nil || p == nil {
		return nil, err
	}
	if c.keyring != "" {
		return nil, &UsageError{
			Err:  fmt.Errorf("--keyring and the trust policy %s: the policy's rules name the keyrings", p.File()),
			Hint: "Drop --keyring (and put the keyring in a rule of the policy), or check against the keyring alone by pointing $" + signing.EnvPolicy + " at no file.",
		}
	}
	return policyCheck(signing.NewVerifier(p), c.registry.CachedClient), nil
}

// policyCheck is the action.ChartPolicy of verifier: OCI charts by their
// signatures, archives by their .prov files.
func policyCheck(v *signing.Verifier, registry func() (*oci.Client, error)) action.ChartPolicy {
	return func(ctx context.Context, lc *action.LocatedChart) (*action.Verification, error) {
		var (
			res *signing.Result
			err error
		)
		if lc.Kind == action.SourceOCI {
			res, err = verifyLocatedOCI(ctx, v, registry, lc)
		} else {
			res, err = v.VerifyArchive(lc.Location, lc.ArchiveName, lc.Archive, lc.Prov)
		}
		if err != nil {
			return nil, err
		}
		return verificationOf(res), nil
	}
}

func verifyLocatedOCI(ctx context.Context, v *signing.Verifier, registry func() (*oci.Client, error), lc *action.LocatedChart) (*signing.Result, error) {
	ref, err := oci.ParseReference(lc.Ref)
	if err != nil {
		return nil, err
	}
	client, err := registry()
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", lc.Ref, err)
	}
	return v.VerifyOCI(ctx, client, ref.WithDigest(lc.Digest), lc.ArchiveName, lc.Archive, lc.Prov)
}

// verificationOf is the located chart's record of a policy check.
func verificationOf(res *signing.Result) *action.Verification {
	v := &action.Verification{Digest: res.Digest, Policy: res.Policy, Rule: res.Rule, Mode: string(res.Mode), Warning: res.Failure}
	if s := res.Signature; s != nil {
		v.Signer, v.Method = s.Signer, s.Format
		v.Fingerprint = s.Signer
		if s.Format == signing.FormatProv {
			v.Fingerprint = s.Key
		}
	}
	return v
}

// keyringPolicy is the check of dependency --verify without a trust
// policy: every downloaded chart's .prov (or provenance layer) against the
// keyring at path, as Helm's dependency build --verify does.
func keyringPolicy(path string) action.ChartPolicy {
	verify := keyringVerifier(path)
	return func(_ context.Context, lc *action.LocatedChart) (*action.Verification, error) {
		if lc.Prov == nil {
			return nil, fmt.Errorf("verify chart %s: the chart has no provenance file (.prov): it is not signed; drop --verify, "+
				"or give a trust policy (--policy) that says how it is signed", lc.Ref)
		}
		v, err := verify(lc.ArchiveName, lc.Archive, lc.Prov)
		if err != nil {
			return nil, fmt.Errorf("verify chart %s: %w", lc.Ref, err)
		}
		return v, nil
	}
}

// describeSigner is how a verification names its signer in messages.
func describeSigner(s *signing.Signature) string {
	out := s.Signer
	if s.Issuer != "" {
		out += " (issuer " + s.Issuer + ")"
	}
	if s.Key != "" && s.Key != s.Signer && !strings.HasPrefix(s.Key, "sha256:") {
		out += " (" + s.Key + ")"
	}
	return out
}

// dependencyPolicy is the check of the charts dependency update|build
// download with --verify: the trust policy's when there is one (--policy
// or the default), else their .prov against the keyring, as Helm does.
func dependencyPolicy(policyFile, keyring string, registry func() (*oci.Client, error)) (action.ChartPolicy, error) {
	c := &chartRefFlags{policy: policyFile, keyring: keyring}
	p, err := loadTrustPolicy(policyFile)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return keyringPolicy(keyring), nil
	}
	if keyring != "" {
		_, err := c.chartPolicy() // the same usage error
		return nil, err
	}
	return policyCheck(signing.NewVerifier(p), registry), nil
}
