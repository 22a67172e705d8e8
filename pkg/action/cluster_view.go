package action

import (
	"context"
	"fmt"

	"github.com/berth-sh/berth/pkg/render"
)

// capabilities returns what templates see as .Capabilities: cfg's own when
// set, else the cluster's version and APIs (read once per Configuration),
// else, without a cluster client, render's defaults. With tolerant (a
// client dry run) an unreachable cluster falls back to the defaults with a
// warning, instead of failing.
func (c *Configuration) capabilities(tolerant bool) (*render.Capabilities, error) {
	if c.Capabilities != nil {
		return c.Capabilities, nil
	}
	if c.Kube == nil {
		return render.DefaultCapabilities(), nil
	}
	apis, err := c.Kube.ServerAPIs()
	if err == nil {
		caps := render.DefaultCapabilities()
		if caps.KubeVersion, err = render.ParseKubeVersion(apis.GitVersion); err == nil {
			caps.APIVersions = render.VersionSet(apis.APIVersions)
			if apis.Warning != "" {
				c.logger().Warn("some APIs of the cluster could not be read; templates do not see them", "error", apis.Warning)
			}
			c.Capabilities = caps
			return caps, nil
		}
		err = fmt.Errorf("the API server's version %q: %w", apis.GitVersion, err)
	}
	if tolerant {
		c.logger().Warn("cannot read the cluster's version and APIs; rendering with the defaults", "error", err)
		return render.DefaultCapabilities(), nil
	}
	return nil, fmt.Errorf("read the cluster's capabilities for the templates: %w", err)
}

// lookup returns the template function lookup: reading the cluster through
// the (retrying, rate-limited) kube client, or empty without one or with
// off (a client dry run).
func (c *Configuration) lookup(ctx context.Context, off bool) render.LookupFunc {
	if off || c.Kube == nil {
		return nil
	}
	return func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		return c.Kube.Lookup(ctx, apiVersion, kind, namespace, name)
	}
}

// View is what templates see of a cluster: its capabilities and lookup.
type View struct {
	Capabilities *render.Capabilities
	Lookup       render.LookupFunc
}

// ClusterView reads cfg's cluster for a render outside a release
// operation (template --dry-run=server): its version and APIs, and a
// lookup that reads it.
func ClusterView(ctx context.Context, cfg *Configuration) (*View, error) {
	caps, err := cfg.capabilities(false)
	if err != nil {
		return nil, err
	}
	return &View{Capabilities: caps, Lookup: cfg.lookup(ctx, false)}, nil
}
