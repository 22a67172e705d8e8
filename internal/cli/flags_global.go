package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// helmFlags are Helm's global flags that kubectl's connection flags do not
// spell the same way: aliases of ours, so that a command line written for
// Helm works unchanged, and the rate limits and colour settings.
type helmFlags struct {
	burstLimit int
	qps        float32
	color      string
	// contentCache is accepted and ignored: berth caches charts by digest
	// in its own cache directories.
	contentCache string
	// registryConfig is Helm's global --registry-config on the commands
	// that talk to no registry; those that do have their own flag, which
	// the command line sets instead.
	registryConfig string
}

// addGlobalFlags adds the connection flags (kubectl's, with Helm's names
// as aliases), --debug, the repository paths and Helm's other global flags
// to the root command's persistent flags.
func addGlobalFlags(pf *pflag.FlagSet, f *Factory) {
	kube := pflag.NewFlagSet("kube", pflag.ContinueOnError)
	f.KubeFlags.AddFlags(kube)
	kube.VisitAll(func(fl *pflag.Flag) {
		if fl.Name == "server" {
			// Helm's -s is template's --show-only, not the API server.
			fl.Shorthand = ""
		}
		pf.AddFlag(fl)
	})
	k := f.KubeFlags
	pf.StringVar(k.Context, "kube-context", "", "Helm's name of --context")
	pf.StringVar(k.BearerToken, "kube-token", "", "Helm's name of --token")
	pf.StringVar(k.APIServer, "kube-apiserver", "", "Helm's name of --server")
	pf.StringVar(k.Impersonate, "kube-as-user", "", "Helm's name of --as")
	pf.StringArrayVar(k.ImpersonateGroup, "kube-as-group", nil, "Helm's name of --as-group")
	pf.StringVar(k.CAFile, "kube-ca-file", "", "Helm's name of --certificate-authority")
	pf.BoolVar(k.Insecure, "kube-insecure-skip-tls-verify", false,
		"do not check the API server's certificate (Helm's name of kubectl's --insecure-skip-tls-verify)")
	pf.StringVar(k.TLSServerName, "kube-tls-server-name", "", "Helm's name of --tls-server-name")
	h := &f.helm
	pf.IntVar(&h.burstLimit, "burst-limit", 0,
		"client-side burst of requests to the API server (default: berth's, at least 2000; -1 disables rate limiting)")
	pf.Float32Var(&h.qps, "qps", 0, "requests per second to the API server (default: berth's, at least 1000)")
	pf.StringVar(&h.color, "color", "auto", "accepted for Helm's sake: never, auto or always (berth prints no colour)")
	pf.StringVar(&h.color, "colour", "auto", "alias of --color")
	pf.StringVar(&h.registryConfig, "registry-config", "",
		"docker-style config.json holding registry credentials; the commands that talk to registries read it")
	pf.StringVar(&h.contentCache, "content-cache", "",
		"accepted for Helm's sake and ignored: berth keeps downloaded charts by digest in its own cache")
}

// envFlag is a setting that environment variables give when none of its
// flags is on the command line: berth's variable first, then Helm's.
type envFlag struct {
	flags []string
	envs  []string
}

// envFlags are the settings Helm reads from HELM_* variables, each with a
// BERTH_* variable that wins over Helm's.
var envFlags = []envFlag{
	{[]string{"namespace"}, []string{"BERTH_NAMESPACE", "HELM_NAMESPACE"}},
	{[]string{"context", "kube-context"}, []string{"BERTH_KUBECONTEXT", "HELM_KUBECONTEXT"}},
	{[]string{"token", "kube-token"}, []string{"BERTH_KUBETOKEN", "HELM_KUBETOKEN"}},
	{[]string{"server", "kube-apiserver"}, []string{"BERTH_KUBEAPISERVER", "HELM_KUBEAPISERVER"}},
	{[]string{"as", "kube-as-user"}, []string{"BERTH_KUBEASUSER", "HELM_KUBEASUSER"}},
	{[]string{"as-group", "kube-as-group"}, []string{"BERTH_KUBEASGROUPS", "HELM_KUBEASGROUPS"}},
	{[]string{"certificate-authority", "kube-ca-file"}, []string{"BERTH_KUBECAFILE", "HELM_KUBECAFILE"}},
	{[]string{"kube-insecure-skip-tls-verify"}, []string{"BERTH_KUBEINSECURE_SKIP_TLS_VERIFY", "HELM_KUBEINSECURE_SKIP_TLS_VERIFY"}},
	{[]string{"tls-server-name", "kube-tls-server-name"}, []string{"BERTH_KUBETLS_SERVER_NAME", "HELM_KUBETLS_SERVER_NAME"}},
	{[]string{"debug"}, []string{"BERTH_DEBUG", "HELM_DEBUG"}},
	{[]string{"burst-limit"}, []string{"BERTH_BURST_LIMIT", "HELM_BURST_LIMIT"}},
	{[]string{"qps"}, []string{"BERTH_QPS", "HELM_QPS"}},
	{[]string{"max-history", "history-max"}, []string{"BERTH_MAX_HISTORY", "HELM_MAX_HISTORY"}},
	{[]string{"registry-config"}, []string{"BERTH_REGISTRY_CONFIG", "HELM_REGISTRY_CONFIG"}},
}

// applyEnv sets, from the environment, every setting of envFlags that
// cmd has and that no flag on the command line set. A value that does not
// parse is a usage error naming the variable.
func applyEnv(cmd *cobra.Command) error {
	fs := cmd.Flags()
	for _, ef := range envFlags {
		target := fs.Lookup(ef.flags[0])
		changed := false
		for _, name := range ef.flags {
			if fl := fs.Lookup(name); fl != nil {
				changed = changed || fl.Changed
				if target == nil {
					target = fl
				}
			}
		}
		if target == nil || changed {
			continue
		}
		for _, env := range ef.envs {
			v, ok := os.LookupEnv(env)
			if !ok || v == "" {
				continue
			}
			if err := setFromEnv(target, v); err != nil {
				return usageErrorf("$%s=%q: %w", env, v, err)
			}
			break
		}
	}
	return nil
}

// setFromEnv sets fl to v; a list is comma-separated, as HELM_KUBEASGROUPS.
func setFromEnv(fl *pflag.Flag, v string) error {
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		return sv.Replace(strings.Split(v, ","))
	}
	return fl.Value.Set(v)
}

// validate checks the values of Helm's global flags.
func (h *helmFlags) validate() error {
	switch h.color {
	case "never", "auto", "always":
	default:
		return usageErrorf("invalid --color %q: use never, auto or always", h.color)
	}
	return nil
}

// rateLimits applies --qps and --burst-limit to cfg. Set by the user, they
// are taken as given (a rate limiter of their own, which berth's minimums
// leave alone); unset, berth's own limits apply.
func (h *helmFlags) rateLimits(cfg *rest.Config) error {
	if h.qps == 0 && h.burstLimit == 0 {
		return nil
	}
	if h.qps < 0 || h.burstLimit < 0 {
		cfg.QPS, cfg.RateLimiter = -1, nil
		return nil
	}
	qps, burst := h.qps, h.burstLimit
	if qps == 0 {
		qps = float32(burst)
	}
	if burst == 0 {
		burst = max(int(qps), 1)
	}
	if burst < 1 {
		return usageErrorf("invalid --burst-limit %d with --qps %g: use 1 or more", h.burstLimit, h.qps)
	}
	cfg.QPS, cfg.Burst = qps, burst
	cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(qps, burst)
	return nil
}

// helmFlagsHelp is the part of the root command's help on Helm's flags and
// environment variables.
var helmFlagsHelp = fmt.Sprintf(`Helm's global flags work too (--kube-context, --kube-token,
--kube-apiserver, --kube-as-user, --kube-as-group, --kube-ca-file,
--kube-insecure-skip-tls-verify, --kube-tls-server-name, --burst-limit,
--qps, --repository-config, --repository-cache, --registry-config), and so do
the environment variables Helm reads, when no flag says otherwise:
%s.
Each has a BERTH_ twin (BERTH_NAMESPACE, ...) that wins over Helm's.`, helmEnvNames())

func helmEnvNames() string {
	names := make([]string, 0, len(envFlags)+4)
	for _, ef := range envFlags {
		names = append(names, ef.envs[len(ef.envs)-1])
	}
	names = append(names, "HELM_DRIVER", "HELM_REPOSITORY_CONFIG", "HELM_REPOSITORY_CACHE")
	return strings.Join(names, ", ")
}
