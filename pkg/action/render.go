package action

import (
	"context"
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/render"
	"github.com/berth-sh/berth/pkg/render/values"
)

// RenderOptions are the rendering settings install and upgrade share.
type RenderOptions struct {
	// SkipSchemaValidation skips values.schema.json checks.
	SkipSchemaValidation bool
	// Strict fails on missing map keys.
	Strict bool
	// SubchartNotes renders the subcharts' NOTES.txt too
	// (--render-subchart-notes).
	SubchartNotes bool
	// EnableDNS lets getHostByName resolve names (--enable-dns).
	EnableDNS bool
	// PostRender edits the rendered templates (name to content) before they
	// are split and sorted: post-renderers and patches. The release records
	// what it returns. nil leaves the templates as rendered.
	PostRender func(files map[string]string) (map[string]string, error)

	// clientDryRun renders as a client dry run does in Helm: lookup renders
	// empty, and .Capabilities fall back to the defaults when the cluster
	// does not answer. Set by the dry-run paths from ApplySettings.DryRun.
	clientDryRun bool
}

// rendered is a chart rendered for one revision of a release: the release
// record to write and the objects to apply.
type rendered struct {
	rel  *release.Release
	objs []*unstructured.Unstructured
}

// renderRevision renders c with user values for revision of release name
// and returns the release (status unset) and its objects. Hooks are stored
// in the release; they are not among the objects. Templates see the
// cluster's version and APIs and, but in a client dry run, look objects up
// in it, as in Helm.
func renderRevision(ctx context.Context, cfg *Configuration, c *chart.Chart, user map[string]any, name string, revision int,
	isInstall bool, opts RenderOptions,
) (*rendered, error) {
	if user == nil {
		user = map[string]any{}
	}
	computed, err := computeValues(cfg, c, user, opts)
	if err != nil {
		return nil, err
	}
	caps, err := cfg.capabilities(opts.clientDryRun)
	if err != nil {
		return nil, err
	}
	res, err := render.Render(c, computed, render.Options{
		Release: render.ReleaseOptions{
			Name: name, Namespace: cfg.Namespace, Revision: revision,
			IsInstall: isInstall, IsUpgrade: !isInstall,
		},
		Capabilities:  caps,
		Strict:        opts.Strict,
		Lookup:        cfg.lookup(ctx, opts.clientDryRun),
		SubchartNotes: opts.SubchartNotes,
		EnableDNS:     opts.EnableDNS,
		PostRender:    opts.PostRender,
	})
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", c.Name(), err)
	}
	rel := &release.Release{
		Name:      name,
		Namespace: cfg.Namespace,
		Revision:  revision,
		Chart:     c.Metadata,
		Values:    user,
		Config:    computed,
		Manifest:  res.ManifestText(false),
		Hooks:     hooksOf(res.Hooks),
		Notes:     res.Notes,
	}
	objs, err := parseManifest("manifest of chart "+c.Name(), rel.Manifest)
	if err != nil {
		return nil, err
	}
	return &rendered{rel: rel, objs: objs}, nil
}

// computeValues is render.Chart's values flow, kept here so that the
// computed values can be stored in the release.
func computeValues(cfg *Configuration, c *chart.Chart, user map[string]any, opts RenderOptions) (map[string]any, error) {
	if err := render.CheckDependencies(c); err != nil {
		return nil, fmt.Errorf("chart %s: %w", c.Name(), err)
	}
	vopts := []values.Option{values.WithLogger(cfg.logger())}
	// ProcessDependencies may edit the user values (import-values); keep
	// the caller's map as given.
	user = deepCopy(user)
	if err := values.ProcessDependencies(c, user, vopts...); err != nil {
		return nil, fmt.Errorf("process dependencies of chart %s: %w", c.Name(), err)
	}
	computed, err := values.Coalesce(c, user, vopts...)
	if err != nil {
		return nil, fmt.Errorf("coalesce values of chart %s: %w", c.Name(), err)
	}
	if !opts.SkipSchemaValidation {
		if err := values.ValidateSchema(c, computed, vopts...); err != nil {
			return nil, err
		}
	}
	return computed, nil
}

// hooksOf converts rendered hooks to the release's records of them.
func hooksOf(hooks []*render.Hook) []*release.Hook {
	out := make([]*release.Hook, 0, len(hooks))
	for _, h := range hooks {
		rh := &release.Hook{Name: h.Name, Kind: h.Kind, Path: h.Path, Manifest: h.Manifest, Weight: h.Weight}
		for _, e := range h.Events {
			rh.Events = append(rh.Events, release.HookEvent(e))
		}
		for _, p := range h.DeletePolicies {
			rh.DeletePolicies = append(rh.DeletePolicies, release.HookDeletePolicy(p))
		}
		out = append(out, rh)
	}
	return out
}

// deepCopy copies nested maps and slices of a values tree.
func deepCopy(m map[string]any) map[string]any {
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopy(t)
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopyValue(e)
		}
		return s
	}
	return v
}
