package signing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/provenance"
)

// ErrNoRule means no rule of the policy covers a chart: it is refused, as
// a policy that forgot a registry must not wave its charts through.
var ErrNoRule = errors.New("no rule of the trust policy covers the chart")

// Result is what a policy check found.
type Result struct {
	// Location is what the rule was chosen by: oci://HOST/PATH for
	// registries, the repository or archive URL, or file:///PATH.
	Location string `json:"location"`
	// Digest is what the signatures sign: the OCI manifest digest, or the
	// archive's sha256 for a .prov.
	Digest string `json:"digest"`
	// Policy is the policy file ("" for --key) and Rule the rule applied.
	Policy string `json:"policy,omitempty"`
	Rule   string `json:"rule"`
	Mode   Mode   `json:"mode"`
	// Signature is the signature accepted; nil when none was (under warn).
	Signature *Signature `json:"signature,omitempty"`
	// Failure says, under warn, why no signature was accepted.
	Failure string `json:"failure,omitempty"`
}

// Verified reports whether a signature was accepted.
func (r *Result) Verified() bool { return r.Signature != nil }

// Verifier checks charts against a policy, reading the keys, certificates
// and keyrings a rule names when the rule is first used. It is safe for
// concurrent use.
type Verifier struct {
	policy *Policy
	mu     sync.Mutex
	trust  map[*Rule]*ruleTrust
}

// NewVerifier returns a verifier of p.
func NewVerifier(p *Policy) *Verifier {
	return &Verifier{policy: p, trust: map[*Rule]*ruleTrust{}}
}

// ruleTrust is a rule's trust material, loaded.
type ruleTrust struct {
	cosign   cosignTrust
	notation *notationTrust
	keyring  *provenance.Keyring
}

func (v *Verifier) load(r *Rule) (*ruleTrust, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.trust[r]; ok {
		return t, nil
	}
	t := &ruleTrust{cosign: cosignTrust{identities: r.Identities, ignoreSCT: r.IgnoreSCT}}
	where := v.where(r)
	for _, f := range r.Keys {
		path := v.policy.resolve(f)
		pub, err := LoadPublicKeyFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		t.cosign.keys = append(t.cosign.keys, PublicKey{Key: pub, File: path})
	}
	if r.TrustedRoot != "" {
		tr, err := root.NewTrustedRootFromPath(v.policy.resolve(r.TrustedRoot))
		if err != nil {
			return nil, fmt.Errorf("%s: trusted root %s: %w", where, r.TrustedRoot, err)
		}
		t.cosign.trustedRoot = tr
	}
	if r.Notation != nil {
		nt, err := newNotationTrust(v.policy, r.Notation)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		t.notation = nt
	}
	if r.Keyring != "" {
		k, err := provenance.LoadKeyring(v.policy.resolve(r.Keyring))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		t.keyring = k
	}
	v.trust[r] = t
	return t, nil
}

// where names a rule in messages: its name and the policy file.
func (v *Verifier) where(r *Rule) string {
	if v.policy.file == "" {
		return "rule " + r.DisplayName()
	}
	return fmt.Sprintf("trust policy %s, rule %q", v.policy.file, r.DisplayName())
}

// rule returns the rule covering location, or ErrNoRule.
func (v *Verifier) rule(location string) (*Rule, error) {
	r := v.policy.Match(location)
	if r == nil {
		return nil, fmt.Errorf("%w: %s: trust policy %s has no rule whose scopes cover it: add one (a scope of \"*\" covers every chart)",
			ErrNoRule, location, v.policy.file)
	}
	return r, nil
}

// VerifyOCI checks the chart ref names by digest in a registry: its
// cosign bundles (referrers), cosign's legacy sha256-HEX.sig tag, its
// Notation signatures and, when the rule has a keyring and the chart a
// provenance layer (prov), that .prov. The first signature the rule
// trusts is accepted.
func (v *Verifier) VerifyOCI(ctx context.Context, client *oci.Client, ref oci.Reference, archiveName string, archive, prov []byte) (*Result, error) {
	if ref.Digest == "" {
		return nil, fmt.Errorf("verify %s: a digest is needed", ref)
	}
	location := oci.Scheme + ref.Registry + "/" + ref.Repository
	r, err := v.rule(location)
	if err != nil {
		return nil, err
	}
	t, err := v.load(r)
	if err != nil {
		return nil, err
	}
	sig, failure := t.verifyOCI(ctx, client, ref)
	if sig == nil && t.keyring != nil && prov != nil {
		if s, err := t.verifyProv(archiveName, archive, prov); err == nil {
			sig, failure = s, nil
		} else {
			failure = errors.Join(failure, err)
		}
	}
	return v.result(r, location, ref.Digest, ref.String(), sig, failure)
}

// VerifyArchive checks a chart archive (a local file, a repository chart,
// an archive URL) by its Helm provenance file against the keyring of the
// rule covering location. prov is nil when the chart has none.
func (v *Verifier) VerifyArchive(location, archiveName string, archive, prov []byte) (*Result, error) {
	r, err := v.rule(location)
	if err != nil {
		return nil, err
	}
	t, err := v.load(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(archive)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	var (
		sig     *Signature
		failure error
	)
	switch {
	case t.keyring == nil:
		failure = fmt.Errorf("%s has no keyring: archives and repository charts are signed with Helm .prov files, "+
			"which need an OpenPGP keyring", v.where(r))
	case prov == nil:
		failure = fmt.Errorf("%w: it has no provenance file (.prov)", ErrNotSigned)
	default:
		sig, failure = t.verifyProv(archiveName, archive, prov)
	}
	return v.result(r, location, digest, location, sig, failure)
}

// result turns what a check found into the rule's verdict: an error under
// enforce when no signature was accepted, a Result with Failure under warn.
func (v *Verifier) result(r *Rule, location, digest, what string, sig *Signature, failure error) (*Result, error) {
	res := &Result{Location: location, Digest: digest, Policy: v.policy.file, Rule: r.DisplayName(), Mode: r.EffectiveMode(), Signature: sig}
	if sig != nil {
		return res, nil
	}
	if failure == nil {
		failure = ErrNotSigned
	}
	if !errors.Is(failure, ErrNotSigned) {
		failure = fmt.Errorf("%w: %w", ErrNotSigned, failure)
	}
	if res.Mode == ModeWarn {
		res.Failure = failure.Error()
		return res, nil
	}
	return nil, fmt.Errorf("verify %s@%s: %w (%s, mode enforce)", strings.TrimSuffix(what, "@"+digest), digest, failure, v.where(r))
}

// verifyProv checks a Helm provenance file against the rule's keyring.
func (t *ruleTrust) verifyProv(name string, archive, prov []byte) (*Signature, error) {
	if t.keyring == nil {
		return nil, errors.New("no keyring for the provenance file")
	}
	pv, err := provenance.Verify(name, archive, prov, t.keyring)
	if err != nil {
		return nil, fmt.Errorf("provenance file: %w", err)
	}
	return &Signature{Format: FormatProv, Signer: strings.Join(pv.SignedBy, ", "), Key: pv.Fingerprint}, nil
}
