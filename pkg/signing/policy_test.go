package signing

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePolicyErrors(t *testing.T) {
	const head = "apiVersion: berth.sh/v1alpha1\nkind: TrustPolicy\n"
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown field", head + "rules:\n  - scopes: ['*']\n    keyz: [a.pub]\n", "trust-policy.yaml:5: unknown field \"keyz\" (in Rule)"},
		{"unknown top field", head + "rule: []\n", "trust-policy.yaml:3: unknown field \"rule\" (in Policy)"},
		{"wrong apiVersion", "apiVersion: v1\nkind: TrustPolicy\nrules: []\n", "trust-policy.yaml:1: apiVersion is \"v1\", want \"berth.sh/v1alpha1\""},
		{"wrong kind", "apiVersion: berth.sh/v1alpha1\nkind: Policy\n", "trust-policy.yaml:2: kind is \"Policy\""},
		{"no rules", head, "the policy has no rule"},
		{"no scopes", head + "rules:\n  - keys: [a.pub]\n", "trust-policy.yaml:4: rules[0].scopes: a rule needs at least one scope"},
		{"bad mode", head + "rules:\n  - scopes: ['*']\n    mode: audit\n    keys: [a.pub]\n", "trust-policy.yaml:5: rules[0].mode: \"audit\" is not a mode"},
		{"no trust", head + "rules:\n  - name: open\n    scopes: ['*']\n", "rule \"open\" trusts no one"},
		{
			"identities without root", head + "rules:\n  - scopes: ['*']\n    identities:\n      - issuer: https://x\n        subject: a@b\n",
			"trust-policy.yaml:5: rules[0].identities: keyless identities need trustedRoot",
		},
		{
			"identity half", head + "rules:\n  - scopes: ['*']\n    trustedRoot: r.json\n    identities:\n      - issuer: https://x\n",
			"rules[0].identities[0]: give issuer or issuerRegExp, and subject or subjectRegExp",
		},
		{"not yaml", "rules: [\n", "trust-policy.yaml:"},
		{"wrong type", head + "rules:\n  - scopes: ghcr.io\n    keys: [a.pub]\n", "trust-policy.yaml:4: cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trust-policy.yaml")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPolicy(path)
			if !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadPolicy: %v\nwant ErrInvalidPolicy containing %q", err, tc.want)
			}
		})
	}
}

func TestPolicyMatch(t *testing.T) {
	p := writePolicy(t, t.TempDir(), `apiVersion: berth.sh/v1alpha1
kind: TrustPolicy
rules:
  - name: any
    scopes: ["*"]
    mode: warn
    keys: [a.pub]
  - name: acme
    scopes: [ghcr.io/acme]
    keys: [a.pub]
  - name: acme-prod
    scopes: ["oci://ghcr.io/acme/prod/", https://charts.acme.example/stable]
    keys: [a.pub]
  - name: local
    scopes: [file:///srv/charts]
    keyring: ring.gpg
`)
	for location, want := range map[string]string{
		"oci://ghcr.io/acme/app":                    "acme",
		"oci://ghcr.io/acme/prod/app":               "acme-prod",
		"oci://ghcr.io/acme-other/app":              "any",
		"oci://ghcr.io/acme":                        "acme",
		"https://charts.acme.example/stable":        "acme-prod",
		"https://charts.acme.example/stable/a.tgz":  "acme-prod",
		"https://charts.acme.example/stable-2/a":    "any",
		"file:///srv/charts/web-1.0.0.tgz":          "local",
		"file:///srv/charts-old/web-1.0.0.tgz":      "any",
		"oci://registry.example.com/ghcr.io/acme/x": "any",
	} {
		if got := p.Match(location).DisplayName(); got != want {
			t.Errorf("Match(%s) = %s, want %s", location, got, want)
		}
	}
	if p.Rules[0].EffectiveMode() != ModeWarn || p.Rules[1].EffectiveMode() != ModeEnforce {
		t.Errorf("modes %s %s, want warn and the default enforce", p.Rules[0].EffectiveMode(), p.Rules[1].EffectiveMode())
	}
	if got := p.resolve("a.pub"); got != filepath.Join(filepath.Dir(p.File()), "a.pub") {
		t.Errorf("a.pub resolves to %s, want it beside the policy", got)
	}
}

func TestLoadKeyFile(t *testing.T) {
	k := newTestKey(t)
	if _, err := LoadKeyFile(k.privFile, func() ([]byte, error) { return []byte("wrong"), nil }); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if _, err := LoadKeyFile(k.privFile, nil); err == nil {
		t.Error("an encrypted key loaded without a passphrase")
	}
	if _, err := LoadKeyFile(k.pubFile, nil); err == nil || !strings.Contains(err.Error(), "parse the key") {
		t.Errorf("a public key as the signing key: %v", err)
	}
	pub, err := LoadPublicKeyFile(k.pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if Fingerprint(pub) != k.key.Fingerprint() {
		t.Errorf("public key fingerprint %s, want the private key's %s", Fingerprint(pub), k.key.Fingerprint())
	}
	priv, err := os.ReadFile(k.privFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(priv), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") {
		t.Errorf("GenerateKeyPair wrote %q, want cosign's encrypted PEM", strings.SplitN(string(priv), "\n", 2)[0])
	}
}
