package signing

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// PolicyAPIVersion and PolicyKind identify a trust policy file.
const (
	PolicyAPIVersion = "berth.sh/v1alpha1"
	PolicyKind       = "TrustPolicy"
)

// EnvPolicy names the trust policy file used when --policy is not given;
// without it, berth/trust-policy.yaml in the user configuration directory.
const EnvPolicy = "BERTH_TRUST_POLICY"

// Mode says what happens to a chart without an accepted signature.
type Mode string

// Modes of a rule.
const (
	// ModeEnforce refuses the chart: nothing is rendered or applied.
	ModeEnforce Mode = "enforce"
	// ModeWarn uses the chart and warns.
	ModeWarn Mode = "warn"
)

// Policy is a trust policy file (kind TrustPolicy, apiVersion
// berth.sh/v1alpha1): rules saying which signers charts from which
// registries, repositories and paths must have. The rule whose scope is
// the longest prefix of a chart's location applies; a chart no rule
// covers is refused.
type Policy struct {
	APIVersion string `json:"apiVersion" yaml:"apiVersion" const:"berth.sh/v1alpha1" jsonschema:"required" doc:"berth.sh/v1alpha1"`
	Kind       string `json:"kind" yaml:"kind" const:"TrustPolicy" jsonschema:"required" doc:"TrustPolicy"`
	Rules      []Rule `json:"rules" yaml:"rules" jsonschema:"required" doc:"the rules; the one with the longest scope matching a chart applies"`

	// file is where the policy was read from; relative paths in rules are
	// relative to its directory.
	file string
}

// Rule is one rule of a trust policy.
type Rule struct {
	Name string `json:"name,omitempty" yaml:"name,omitempty" doc:"a name for messages; default: the first scope"`
	// Scopes are prefixes of chart locations: "HOST[/PATH]" or
	// "oci://HOST[/PATH]" for registries, "https://HOST[/PATH]" for chart
	// repositories and archive URLs, "file:///PATH" for local archives, and
	// "*" for any chart. A prefix matches whole path segments.
	Scopes []string `json:"scopes" yaml:"scopes" jsonschema:"required" doc:"location prefixes the rule covers: HOST/PATH or oci://HOST/PATH (registries), https://HOST/PATH (repositories, archive URLs), file:///PATH (local archives), * (everything)"`
	Mode   Mode     `json:"mode,omitempty" yaml:"mode,omitempty" enum:"enforce|warn" doc:"enforce (the default) refuses a chart without an accepted signature; warn uses it and warns"`
	// Keys are cosign public key files (PEM).
	Keys []string `json:"keys,omitempty" yaml:"keys,omitempty" doc:"cosign public key files (PEM, as cosign generate-key-pair writes cosign.pub), relative to the policy file"`
	// Identities are keyless signers, checked against TrustedRoot.
	Identities []Identity `json:"identities,omitempty" yaml:"identities,omitempty" doc:"keyless signers: certificate identities (issuer and subject); needs trustedRoot"`
	// TrustedRoot is a Sigstore trusted_root.json (Fulcio, Rekor, TSA keys).
	TrustedRoot string `json:"trustedRoot,omitempty" yaml:"trustedRoot,omitempty" doc:"Sigstore trusted root (trusted_root.json) that keyless signatures chain to"`
	// IgnoreSCT accepts keyless certificates without a certificate
	// transparency timestamp (a private Fulcio without a CT log), as
	// cosign's --insecure-ignore-sct does.
	IgnoreSCT bool `json:"ignoreSCT,omitempty" yaml:"ignoreSCT,omitempty" doc:"accept keyless certificates without a signed certificate timestamp (a private Fulcio without a CT log); insecure otherwise"`
	// Notation trusts Notation signatures.
	Notation *NotationTrust `json:"notation,omitempty" yaml:"notation,omitempty" doc:"Notation signatures: trusted certificates and identities"`
	// Keyring is an OpenPGP keyring for Helm .prov files.
	Keyring string `json:"keyring,omitempty" yaml:"keyring,omitempty" doc:"OpenPGP keyring (GnuPG format) for Helm provenance files (.prov) of archives, repository charts and OCI charts' provenance layers"`
}

// NotationTrust is the Notation part of a rule.
type NotationTrust struct {
	// Certificates are PEM files of the trusted root (or signing)
	// certificates: Notation's "ca" trust store.
	Certificates []string `json:"certificates" yaml:"certificates" jsonschema:"required" doc:"PEM files of trusted CA certificates (Notation's ca trust store)"`
	// TrustedIdentities are Notation's trusted identities: "x509.subject:
	// C=US, O=Acme, CN=release" or "*".
	TrustedIdentities []string `json:"trustedIdentities,omitempty" yaml:"trustedIdentities,omitempty" doc:"Notation trusted identities, such as \"x509.subject: C=US, O=Acme, CN=release\"; default *, any signer the certificates vouch for"`
}

// DisplayName is the rule's name, or its first scope.
func (r *Rule) DisplayName() string {
	if r.Name != "" {
		return r.Name
	}
	if len(r.Scopes) > 0 {
		return r.Scopes[0]
	}
	return "(unnamed)"
}

// EffectiveMode is the rule's mode, enforce when unset.
func (r *Rule) EffectiveMode() Mode {
	if r.Mode == "" {
		return ModeEnforce
	}
	return r.Mode
}

// ErrInvalidPolicy is matched by every error about a policy file's content.
var ErrInvalidPolicy = errors.New("invalid trust policy")

// DefaultPolicyPath is $BERTH_TRUST_POLICY, or berth/trust-policy.yaml in
// the user configuration directory.
func DefaultPolicyPath() (string, error) {
	if p := os.Getenv(EnvPolicy); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("trust policy: %w", err)
	}
	return filepath.Join(dir, "berth", "trust-policy.yaml"), nil
}

// LoadPolicy reads and checks the trust policy at path: unknown fields,
// a wrong apiVersion or kind, a rule without scopes or trust, an unknown
// mode are errors naming the file, line and field.
func LoadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the user names the policy
	if err != nil {
		return nil, fmt.Errorf("read trust policy: %w", err)
	}
	return ParsePolicy(path, data)
}

// ParsePolicy is LoadPolicy of data read from path.
func ParsePolicy(path string, data []byte) (*Policy, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, policyError(path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	p := &Policy{file: path}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(p); err != nil {
		return nil, policyDecodeError(path, err)
	}
	if err := p.check(path, &root); err != nil {
		return nil, err
	}
	return p, nil
}

// lineRe finds the "line N: " of yaml.v3's type errors.
var lineRe = regexp.MustCompile(`^line (\d+): (.*)$`)

// policyDecodeError rewrites yaml.v3's errors ("line 7: field keyz not
// found in type signing.Rule") as "FILE:7: unknown field keyz".
func policyDecodeError(path string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return policyError(path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	problems := make([]string, 0, len(te.Errors))
	for _, msg := range te.Errors {
		loc := path
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			loc, msg = path+":"+m[1], m[2]
		}
		if field, typ, ok := strings.Cut(strings.TrimPrefix(msg, "field "), " not found in type "); ok && strings.HasPrefix(msg, "field ") {
			msg = fmt.Sprintf("unknown field %q (in %s)", field, strings.TrimPrefix(typ, "signing."))
		}
		problems = append(problems, loc+": "+msg)
	}
	return fmt.Errorf("%w: %s", ErrInvalidPolicy, strings.Join(problems, "; "))
}

func policyError(loc, msg string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidPolicy, loc, msg)
}

// check validates what the types cannot say, naming the line of the
// field at fault.
func (p *Policy) check(path string, root *yaml.Node) error {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	at := func(field string) string { return path + ":" + strconv.Itoa(lineOf(doc, field)) }
	if p.APIVersion != PolicyAPIVersion {
		return policyError(at("apiVersion"), fmt.Sprintf("apiVersion is %q, want %q", p.APIVersion, PolicyAPIVersion))
	}
	if p.Kind != PolicyKind {
		return policyError(at("kind"), fmt.Sprintf("kind is %q, want %q", p.Kind, PolicyKind))
	}
	if len(p.Rules) == 0 {
		return policyError(at("rules"), "rules: the policy has no rule, so it would refuse every chart")
	}
	rules := childNode(doc, "rules")
	for i := range p.Rules {
		var node *yaml.Node
		if rules != nil && i < len(rules.Content) {
			node = rules.Content[i]
		}
		if err := p.Rules[i].check(path, i, node); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rule) check(path string, i int, node *yaml.Node) error {
	at := func(field string) string { return path + ":" + strconv.Itoa(lineOf(node, field)) }
	field := func(name string) string { return fmt.Sprintf("rules[%d].%s", i, name) }
	if len(r.Scopes) == 0 {
		return policyError(at("scopes"), field("scopes")+": a rule needs at least one scope (HOST/PATH, https://..., file:///..., or *)")
	}
	for _, s := range r.Scopes {
		if strings.TrimSpace(s) == "" {
			return policyError(at("scopes"), field("scopes")+": an empty scope")
		}
	}
	if r.Mode != "" && r.Mode != ModeEnforce && r.Mode != ModeWarn {
		return policyError(at("mode"), fmt.Sprintf("%s: %q is not a mode: use enforce or warn", field("mode"), r.Mode))
	}
	if len(r.Identities) > 0 && r.TrustedRoot == "" {
		return policyError(at("identities"), field("identities")+": keyless identities need trustedRoot, the Sigstore trusted_root.json their certificates chain to")
	}
	for j, id := range r.Identities {
		if (id.Issuer == "") == (id.IssuerRegExp == "") || (id.Subject == "") == (id.SubjectRegExp == "") {
			return policyError(at("identities"), fmt.Sprintf("%s[%d]: give issuer or issuerRegExp, and subject or subjectRegExp (one of each)", field("identities"), j))
		}
	}
	if r.Notation != nil && len(r.Notation.Certificates) == 0 {
		return policyError(at("notation"), field("notation.certificates")+": Notation needs the trusted CA certificates")
	}
	if len(r.Keys) == 0 && len(r.Identities) == 0 && r.Notation == nil && r.Keyring == "" {
		return policyError(at("scopes"), fmt.Sprintf("rule %q trusts no one: give keys, identities, notation or keyring", r.DisplayName()))
	}
	return nil
}

// childNode returns the value node of key in the mapping node m.
func childNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// lineOf is the line of key in the mapping node m, or of m itself.
func lineOf(m *yaml.Node, key string) int {
	if m == nil {
		return 1
	}
	if m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line
			}
		}
	}
	return m.Line
}

// File is the path the policy was read from.
func (p *Policy) File() string { return p.file }

// resolve makes a path of the policy relative to its directory.
func (p *Policy) resolve(name string) string {
	if name == "" || filepath.IsAbs(name) || p.file == "" {
		return name
	}
	return filepath.Join(filepath.Dir(p.file), name)
}

// Match returns the rule covering location: the one with the longest
// matching scope (first in the file on a tie), nil when none does.
func (p *Policy) Match(location string) *Rule {
	var best *Rule
	bestLen := -1
	for i := range p.Rules {
		for _, s := range p.Rules[i].Scopes {
			if n, ok := scopeMatch(s, location); ok && n > bestLen {
				best, bestLen = &p.Rules[i], n
			}
		}
	}
	return best
}

// scopeMatch reports whether scope covers location and how specific it is
// (its length). A scope without a scheme is a registry prefix (oci://).
// Prefixes match whole path segments: "ghcr.io/acme" covers
// "oci://ghcr.io/acme/app" but not "oci://ghcr.io/acme-other/app".
func scopeMatch(scope, location string) (int, bool) {
	scope = strings.TrimSpace(scope)
	if scope == "*" {
		return 0, true
	}
	if !strings.Contains(scope, "://") {
		scope = "oci://" + scope
	}
	scope = strings.TrimSuffix(scope, "/")
	if location == scope || strings.HasPrefix(location, scope+"/") {
		return len(scope), true
	}
	return 0, false
}

// PolicyForKeys is the policy of berth verify --key: one rule, enforced,
// covering every chart, trusting the cosign public keys files.
func PolicyForKeys(files []string) *Policy {
	return &Policy{
		APIVersion: PolicyAPIVersion, Kind: PolicyKind,
		Rules: []Rule{{Name: "--key", Scopes: []string{"*"}, Mode: ModeEnforce, Keys: files}},
	}
}
