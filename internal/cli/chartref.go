package cli

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
)

// chartRefFlags are the flags of commands whose CHART may be an OCI
// reference: --version and the registry connection flags.
type chartRefFlags struct {
	version  string
	registry registryFlags
}

// AddFlags adds --version and the registry flags to fs.
func (c *chartRefFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.version, "version", "",
		"with an oci:// CHART, the chart version or SemVer constraint (default: the highest release)")
	c.registry.AddFlags(fs)
}

// load loads ref with the flags' version and registry settings.
func (c *chartRefFlags) load(ctx context.Context, f *Factory, ref string) (*chart.Chart, error) {
	return loadChartRef(ctx, f, ref, c.version, &c.registry)
}

// loadChartRef loads the chart ref names: a chart directory or archive, or
// an oci://HOST/PATH/NAME[:TAG|@DIGEST] reference pulled (through berth's
// OCI cache) with the registry flags reg, at version when it is set.
// --version with a local path is a usage error: a local chart has one
// version, so the flag would silently mean nothing.
func loadChartRef(ctx context.Context, f *Factory, ref, version string, reg *registryFlags) (*chart.Chart, error) {
	if !oci.IsReference(ref) {
		if version != "" {
			return nil, &UsageError{
				Err:  fmt.Errorf("--version %q applies to oci:// charts only, and %q is a local path", version, ref),
				Hint: "Drop --version, or give the chart as oci://HOST/PATH/NAME.",
			}
		}
		return chart.Load(ref)
	}
	client, err := reg.CachedClient()
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	c, res, err := client.LoadChart(ctx, ref, version)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(f.ErrOut, "Warning: %s: %s\n", res.Ref, w)
	}
	return c, nil
}
