package kube

import (
	"fmt"
	"path"
	"slices"

	"k8s.io/client-go/discovery"
)

// ServerAPIs is what the API server says of itself for .Capabilities.
type ServerAPIs struct {
	// GitVersion is the server's version as it reports it
	// ("v1.36.3", "v1.30.1-gke.1").
	GitVersion string
	// APIVersions are every group/version the server serves ("apps/v1",
	// "v1") and every group/version/Kind of its resources
	// ("monitoring.coreos.com/v1/ServiceMonitor"), as Helm builds them,
	// sorted.
	APIVersions []string
	// Warning says which API groups discovery could not read (an
	// aggregated API whose service is down); the others are listed.
	Warning string
}

// ServerAPIs reads the server's version and APIs through the client's
// cached discovery, which its RESTMapper shares, so a render and the apply
// after it ask the server once.
func (c *Client) ServerAPIs() (*ServerAPIs, error) {
	info, err := c.discovery.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("read the API server's version: %w", err)
	}
	out := &ServerAPIs{GitVersion: info.GitVersion}
	groups, resources, err := discovery.ServerGroupsAndResources(c.discovery)
	if err != nil {
		if !discovery.IsGroupDiscoveryFailedError(err) {
			return nil, fmt.Errorf("read the API server's APIs: %w", err)
		}
		out.Warning = err.Error()
	}
	seen := map[string]bool{}
	for _, g := range groups {
		for _, gv := range g.Versions {
			seen[gv.GroupVersion] = true
		}
	}
	for _, list := range resources {
		for _, r := range list.APIResources {
			seen[path.Join(list.GroupVersion, r.Kind)] = true
		}
	}
	for v := range seen {
		out.APIVersions = append(out.APIVersions, v)
	}
	slices.Sort(out.APIVersions)
	return out, nil
}
