package migrate

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// Env is what the migrate commands take from berth's command line: its
// output streams and lazy constructors, so that --help reads no
// kubeconfig. internal/cli fills it from its Factory.
type Env struct {
	Out, ErrOut io.Writer
	// Namespace is the namespace -n or the kubeconfig selects.
	Namespace func() (string, error)
	// Kube connects to the cluster.
	Kube func() (*kube.Client, error)
	// RESTConfig is the connection the flags select, for the record
	// clients.
	RESTConfig func() (*rest.Config, error)
	// Storage is berth's release storage driver (--storage).
	Storage func() string
	// Logger is berth's logger (warnings, or debug with --debug).
	Logger func() *slog.Logger
	// UsageError makes an error berth reports as a usage error (exit 2).
	UsageError func(format string, a ...any) error
}

// helmConfig connects to the cluster for ImportHelm and ExportHelm.
func (e *Env) helmConfig(helmStorage string) (*action.HelmConfig, error) {
	kc, err := e.Kube()
	if err != nil {
		return nil, err
	}
	rc, err := e.RESTConfig()
	if err != nil {
		return nil, err
	}
	// One import reads and writes several records per release.
	clients, err := release.NewClients(kube.RaisedRateLimits(rc))
	if err != nil {
		return nil, fmt.Errorf("connect to cluster: %w", err)
	}
	return &action.HelmConfig{
		Kube: kc, Clients: clients, Storage: e.Storage(), HelmStorage: helmStorage, Logger: e.Logger(),
	}, nil
}

// Output formats of -o.
var outputFormats = []string{"table", "json", "yaml"}

// outputFlag is -o/--output.
type outputFlag struct{ format string }

func (o *outputFlag) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "output", "o", "table", "output format: "+strings.Join(outputFormats, "|"))
}

func (o *outputFlag) validate(e *Env) error {
	if !slices.Contains(outputFormats, o.format) {
		return e.UsageError("invalid --output %q: use one of %s", o.format, strings.Join(outputFormats, ", "))
	}
	return nil
}

// print writes v as JSON or YAML, or calls table.
func (o *outputFlag) print(w io.Writer, v any, table func(io.Writer) error) error {
	switch o.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode YAML output: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return table(w)
}

// helmStorageFlag is --helm-storage.
type helmStorageFlag struct{ driver string }

func (h *helmStorageFlag) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&h.driver, "helm-storage", "secret", "where Helm keeps its release records: secret or configmap (Helm's HELM_DRIVER)")
}

func (h *helmStorageFlag) validate(e *Env) error {
	switch strings.ToLower(h.driver) {
	case "secret", "secrets", "configmap", "configmaps":
		return nil
	}
	return e.UsageError("invalid --helm-storage %q: use secret or configmap", h.driver)
}
