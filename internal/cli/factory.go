package cli

import (
	"fmt"
	"io"
	"log/slog"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/pkg/kube"
)

// Factory carries what commands share: the IO streams, the kubectl-style
// connection flags and a logger. Cluster clients are built lazily, on first
// use, so that offline commands (template, lint, package, --help) never read
// a kubeconfig.
type Factory struct {
	IOStreams
	// KubeFlags are kubectl's connection flags (--kubeconfig, --context,
	// -n/--namespace, --server, --token, --as, ...). KUBECONFIG is honoured
	// through the standard loading rules.
	KubeFlags *genericclioptions.ConfigFlags
	// Debug enables debug logging to ErrOut.
	Debug bool

	// Repos locate the repositories file and the index cache
	// (--repository-config, --repository-cache).
	Repos repoPathFlags

	// helm holds Helm's global flags that are not connection flags.
	helm helmFlags
	// storage is --storage (or $BERTH_STORAGE) of the release commands.
	storage storageFlags
	logger  *slog.Logger
}

// NewFactory returns a Factory on streams with unset connection flags.
func NewFactory(streams IOStreams) *Factory {
	return &Factory{
		IOStreams: streams,
		KubeFlags: genericclioptions.NewConfigFlags(true),
	}
}

// Logger returns the logger commands and actions log to: debug level with
// --debug, warnings only otherwise, always to ErrOut.
func (f *Factory) Logger() *slog.Logger {
	if f.logger == nil {
		f.logger = newLogger(f.ErrOut, f.Debug)
	}
	return f.logger
}

func newLogger(w io.Writer, debug bool) *slog.Logger {
	level := slog.LevelWarn
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// RESTConfig returns the client configuration selected by the connection
// flags and KUBECONFIG. Its transport retries failed requests
// (kube.WithRetries), so every client berth builds from it does.
func (f *Factory) RESTConfig() (*rest.Config, error) {
	cfg, err := f.KubeFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	if err := f.helm.rateLimits(cfg); err != nil {
		return nil, err
	}
	return kube.WithRetries(cfg), nil
}

// Namespace returns the namespace selected by -n or the kubeconfig context,
// "default" when neither sets one.
func (f *Factory) Namespace() (string, error) {
	ns, _, err := f.KubeFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("read namespace from kubeconfig: %w", err)
	}
	return ns, nil
}

// DynamicClient returns a dynamic client for the selected cluster.
func (f *Factory) DynamicClient() (dynamic.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	return dynamic.NewForConfig(cfg)
}
