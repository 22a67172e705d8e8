package oci

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/berth-sh/berth/pkg/chart"
)

// maxManifestSize bounds the manifest read from a registry; maxBlobSize
// bounds the config, chart and provenance blobs (Helm refuses charts that
// decompress to more than 100 MiB).
const (
	maxManifestSize = 4 << 20
	maxBlobSize     = 100 << 20
)

// PullResult is a pulled chart.
type PullResult struct {
	// Ref is the reference pulled: by tag when the chart was found by tag or
	// version, by digest otherwise.
	Ref string `json:"ref"`
	// Name and Version are the chart's, from the manifest config.
	Name    string `json:"name"`
	Version string `json:"version"`
	// Digest is the manifest digest; pulling Ref's repository at Digest
	// always gives this chart.
	Digest string `json:"digest"`
	// Manifest is the manifest descriptor.
	Manifest ocispec.Descriptor `json:"-"`
	// Metadata is the manifest config: Chart.yaml as pushed.
	Metadata *chart.Metadata `json:"-"`
	// Archive is the chart archive (.tgz); Prov is its provenance file, nil
	// when the artifact has none.
	Archive []byte `json:"-"`
	Prov    []byte `json:"-"`
	// Warnings are things the caller should tell the user, such as a legacy
	// layer media type.
	Warnings []string `json:"warnings,omitempty"`
}

// Pull downloads a chart. ref is oci://HOST/PATH/NAME, optionally with
// :TAG or @DIGEST; version, when set, is an exact version or a SemVer
// constraint ("~1.2", "^2", ">=1.0.0-0") resolved against the
// repository's tags: the highest matching version wins, and pre-releases
// match only when the constraint has a pre-release part (Masterminds/semver
// rules). With neither tag, digest nor version, the highest release is
// pulled. Every blob is verified against its digest and size.
//
// A strict SemVer version ("1.2.3", "1.2.3+build.1") is fetched by its tag
// without listing tags, so it works on registries that do not list them.
// Anything else is a constraint: unlike Helm, which fetches any version
// Masterminds/semver parses loosely ("1.2", "v1.2.3") as a literal tag,
// berth matches those against the tags, so "1.2" finds 1.2.x.
func (c *Client) Pull(ctx context.Context, ref, version string) (*PullResult, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	r, err = c.resolveVersion(ctx, r, version)
	if err != nil {
		return nil, err
	}
	desc, manifest, err := c.fetchManifest(ctx, r)
	if err != nil {
		return nil, err
	}
	res, err := c.fetchChart(ctx, r, manifest)
	if err != nil {
		return nil, err
	}
	res.Ref, res.Digest, res.Manifest = r.String(), desc.Digest.String(), desc
	return res, nil
}

// fetchManifest fetches and decodes the manifest ref points to, from the
// cache when the digest is known and cached. Only image manifests are
// cached, never indexes.
func (c *Client) fetchManifest(ctx context.Context, r Reference) (ocispec.Descriptor, *ocispec.Manifest, error) {
	if cached, ok := c.cacheGet(r.Digest); ok {
		desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, cached)
		m, err := decodeManifest(r, desc, cached)
		return desc, m, err
	}
	desc, rc, err := c.repository(r).FetchReference(ctx, r.reference())
	if err != nil {
		return desc, nil, c.notFound(ctx, r, c.classify("pull", r.String(), r.Registry, err))
	}
	defer rc.Close()
	data, err := readVerified(rc, desc, maxManifestSize)
	if err != nil {
		return desc, nil, &Error{Op: "pull", Ref: r.String(), Err: fmt.Errorf("read manifest: %w", err)}
	}
	m, err := decodeManifest(r, desc, data)
	if err != nil {
		return desc, nil, err
	}
	c.cachePut(desc.Digest.String(), data)
	return desc, m, nil
}

// decodeManifest decodes an image manifest, refusing indexes and other
// artifacts.
func decodeManifest(r Reference, desc ocispec.Descriptor, data []byte) (*ocispec.Manifest, error) {
	if desc.MediaType != ocispec.MediaTypeImageManifest && desc.MediaType != mediaTypeDockerManifest {
		return nil, &Error{
			Op: "pull", Ref: r.String(), Kind: ErrNotChart,
			Err: fmt.Errorf("manifest media type is %s", desc.MediaType),
		}
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &Error{Op: "pull", Ref: r.String(), Err: fmt.Errorf("decode manifest: %w", err)}
	}
	return &m, nil
}

const mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

// chartLayers finds the config, chart and provenance descriptors of a
// Helm chart manifest.
func chartLayers(r Reference, m *ocispec.Manifest) (chartDesc, prov *ocispec.Descriptor, warnings []string, err error) {
	if m.Config.MediaType != ConfigMediaType {
		return nil, nil, nil, &Error{
			Op: "pull", Ref: r.String(), Kind: ErrNotChart,
			Err: fmt.Errorf("config media type is %q, want %q", m.Config.MediaType, ConfigMediaType),
		}
	}
	for i := range m.Layers {
		l := &m.Layers[i]
		switch l.MediaType {
		case ChartLayerMediaType:
			chartDesc = l
		case LegacyChartLayerMediaType:
			if chartDesc == nil {
				chartDesc = l
				warnings = append(warnings, fmt.Sprintf("chart layer media type %s is deprecated; push the chart again to write %s",
					LegacyChartLayerMediaType, ChartLayerMediaType))
			}
		case ProvLayerMediaType:
			prov = l
		}
	}
	if chartDesc == nil {
		return nil, nil, nil, &Error{
			Op: "pull", Ref: r.String(), Kind: ErrNotChart,
			Err: fmt.Errorf("manifest has no layer of media type %s", ChartLayerMediaType),
		}
	}
	return chartDesc, prov, warnings, nil
}

func (c *Client) fetchChart(ctx context.Context, r Reference, m *ocispec.Manifest) (*PullResult, error) {
	chartDesc, provDesc, warnings, err := chartLayers(r, m)
	if err != nil {
		return nil, err
	}
	repo := c.repository(r)
	config, err := c.fetchBlob(ctx, repo, r, m.Config)
	if err != nil {
		return nil, err
	}
	md := &chart.Metadata{}
	if err := json.Unmarshal(config, md); err != nil {
		return nil, &Error{Op: "pull", Ref: r.String(), Kind: ErrNotChart, Err: fmt.Errorf("decode chart config: %w", err)}
	}
	res := &PullResult{Name: md.Name, Version: md.Version, Metadata: md, Warnings: warnings}
	if res.Archive, err = c.fetchBlob(ctx, repo, r, *chartDesc); err != nil {
		return nil, err
	}
	if provDesc != nil {
		if res.Prov, err = c.fetchBlob(ctx, repo, r, *provDesc); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// fetchBlob returns a verified blob, from the cache when it has it.
func (c *Client) fetchBlob(ctx context.Context, repo *remote.Repository, r Reference, d ocispec.Descriptor) ([]byte, error) {
	if data, ok := c.cacheGet(d.Digest.String()); ok {
		return data, nil
	}
	rc, err := repo.Blobs().Fetch(ctx, d)
	if err != nil {
		return nil, c.classify("pull", r.String(), r.Registry, fmt.Errorf("fetch blob %s (%s): %w", d.Digest, d.MediaType, err))
	}
	defer rc.Close()
	data, err := readVerified(rc, d, maxBlobSize)
	if err != nil {
		return nil, &Error{Op: "pull", Ref: r.String(), Err: fmt.Errorf("read blob %s (%s): %w", d.Digest, d.MediaType, err)}
	}
	c.cachePut(d.Digest.String(), data)
	return data, nil
}
