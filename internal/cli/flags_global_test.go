package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// twoContexts writes a kubeconfig with contexts "a" (current) and "b" on
// different servers and returns its path.
func twoContexts(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	data := `apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: a, cluster: {server: "https://a.example:6443"}}
- {name: b, cluster: {server: "https://b.example:6443"}}
users:
- {name: u, user: {token: from-kubeconfig}}
contexts:
- {name: a, context: {cluster: a, user: u, namespace: ns-a}}
- {name: b, context: {cluster: b, user: u, namespace: ns-b}}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parsed returns the factory and command of "berth ARGS" after flag
// parsing and the environment, as a command's RunE would see them.
func parsed(t *testing.T, args ...string) (*Factory, *cobra.Command, error) {
	t.Helper()
	f := NewFactory(IOStreams{In: strings.NewReader(""), Out: &strings.Builder{}, ErrOut: &strings.Builder{}})
	root := NewRootCmd(f)
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return f, cmd, err
	}
	return f, cmd, root.PersistentPreRunE(cmd, nil)
}

// clearHelmEnv unsets every variable the tests here set, so that the
// machine's environment does not leak in.
func clearHelmEnv(t *testing.T) {
	t.Helper()
	for _, ef := range envFlags {
		for _, e := range ef.envs {
			t.Setenv(e, "")
		}
	}
}

func TestHelmGlobalFlagsAndEnvironment(t *testing.T) {
	kubeconfig := twoContexts(t)
	type want struct {
		host, namespace, token, user string
		groups                       []string
		insecure                     bool
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want want
	}{
		{"kubeconfig", nil, nil, want{host: "https://a.example:6443", namespace: "ns-a", token: "from-kubeconfig"}},
		{"--kube-context", nil, []string{"--kube-context", "b"}, want{host: "https://b.example:6443", namespace: "ns-b", token: "from-kubeconfig"}},
		{
			"HELM_KUBECONTEXT",
			map[string]string{"HELM_KUBECONTEXT": "b"},
			nil,
			want{host: "https://b.example:6443", namespace: "ns-b", token: "from-kubeconfig"},
		},
		{
			"--context beats HELM_KUBECONTEXT",
			map[string]string{"HELM_KUBECONTEXT": "b"},
			[]string{"--context", "a"},
			want{host: "https://a.example:6443", namespace: "ns-a", token: "from-kubeconfig"},
		},
		{
			"HELM_NAMESPACE",
			map[string]string{"HELM_NAMESPACE": "helm-ns"},
			nil,
			want{host: "https://a.example:6443", namespace: "helm-ns", token: "from-kubeconfig"},
		},
		{
			"BERTH_NAMESPACE beats HELM_NAMESPACE",
			map[string]string{"HELM_NAMESPACE": "helm-ns", "BERTH_NAMESPACE": "berth-ns"},
			nil,
			want{host: "https://a.example:6443", namespace: "berth-ns", token: "from-kubeconfig"},
		},
		{
			"-n beats both",
			map[string]string{"HELM_NAMESPACE": "helm-ns", "BERTH_NAMESPACE": "berth-ns"},
			[]string{"-n", "flag-ns"},
			want{host: "https://a.example:6443", namespace: "flag-ns", token: "from-kubeconfig"},
		},
		{
			"Helm's connection flags",
			nil,
			[]string{
				"--kube-apiserver", "https://c.example", "--kube-token", "t0k", "--kube-as-user", "ann",
				"--kube-as-group", "g1", "--kube-as-group", "g2", "--kube-insecure-skip-tls-verify",
			},
			want{host: "https://c.example", namespace: "ns-a", token: "t0k", user: "ann", groups: []string{"g1", "g2"}, insecure: true},
		},
		{
			"Helm's connection variables",
			map[string]string{
				"HELM_KUBEAPISERVER": "https://d.example", "HELM_KUBETOKEN": "env-token", "HELM_KUBEASUSER": "bob",
				"HELM_KUBEASGROUPS": "x,y", "HELM_KUBEINSECURE_SKIP_TLS_VERIFY": "true",
			},
			nil,
			want{host: "https://d.example", namespace: "ns-a", token: "env-token", user: "bob", groups: []string{"x", "y"}, insecure: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearHelmEnv(t)
			t.Setenv("KUBECONFIG", kubeconfig)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			f, _, err := parsed(t, append([]string{"list"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := f.RESTConfig()
			if err != nil {
				t.Fatal(err)
			}
			ns, err := f.Namespace()
			if err != nil {
				t.Fatal(err)
			}
			got := want{
				host: cfg.Host, namespace: ns, token: cfg.BearerToken, user: cfg.Impersonate.UserName,
				groups: cfg.Impersonate.Groups, insecure: cfg.Insecure,
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestHelmEnvironmentForCommandFlags(t *testing.T) {
	clearHelmEnv(t)
	t.Setenv("HELM_MAX_HISTORY", "3")
	t.Setenv("HELM_REGISTRY_CONFIG", "/helm/registry.json")
	_, cmd, err := parsed(t, "upgrade", "web", "./chart")
	if err != nil {
		t.Fatal(err)
	}
	if got := cmd.Flags().Lookup("max-history").Value.String(); got != "3" {
		t.Errorf("--max-history from HELM_MAX_HISTORY = %s, want 3", got)
	}
	if got := cmd.Flags().Lookup("registry-config").Value.String(); got != "/helm/registry.json" {
		t.Errorf("--registry-config from HELM_REGISTRY_CONFIG = %q", got)
	}
	_, cmd, err = parsed(t, "upgrade", "web", "./chart", "--max-history", "7")
	if err != nil {
		t.Fatal(err)
	}
	if got := cmd.Flags().Lookup("max-history").Value.String(); got != "7" {
		t.Errorf("--max-history 7 with HELM_MAX_HISTORY=3 = %s", got)
	}

	t.Setenv("HELM_QPS", "fast")
	_, _, err = parsed(t, "list")
	if err == nil || !strings.Contains(err.Error(), `$HELM_QPS="fast"`) {
		t.Errorf("bad HELM_QPS: err = %v, want a usage error naming it", err)
	}
}

func TestRateLimitFlags(t *testing.T) {
	clearHelmEnv(t)
	t.Setenv("KUBECONFIG", twoContexts(t))
	f, _, err := parsed(t, "list", "--qps", "20", "--burst-limit", "40")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.QPS != 20 || cfg.Burst != 40 || cfg.RateLimiter == nil || cfg.RateLimiter.QPS() != 20 {
		t.Errorf("--qps 20 --burst-limit 40: QPS %v burst %d limiter %v", cfg.QPS, cfg.Burst, cfg.RateLimiter)
	}
	f, _, err = parsed(t, "list", "--burst-limit", "-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = f.RESTConfig(); err != nil || cfg.QPS >= 0 {
		t.Errorf("--burst-limit -1: QPS %v, %v; want rate limiting disabled", cfg.QPS, err)
	}
	if _, _, err := parsed(t, "list", "--color", "sometimes"); err == nil {
		t.Error("--color sometimes accepted")
	}
	code, _, stderr := run(t, "list", "-s", "https://x.example")
	if code != ExitUsage || !strings.Contains(stderr, "-s") {
		t.Errorf("-s on list (kubectl's --server shorthand, not Helm's): exit %d\n%s", code, stderr)
	}
}
