package oci

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

// Blob is one layer of an artifact berth attaches to a chart.
type Blob struct {
	MediaType   string
	Data        []byte
	Annotations map[string]string
}

// Artifact is what Attach writes: an OCI 1.1 image manifest of artifact
// type ArtifactType, with the empty config, whose subject is the chart.
type Artifact struct {
	ArtifactType string
	Layers       []Blob
	Annotations  map[string]string
}

// Resolve returns the descriptor of the manifest ref names by tag or
// digest.
func (c *Client) Resolve(ctx context.Context, ref Reference) (ocispec.Descriptor, error) {
	desc, err := c.repository(ref).Resolve(ctx, ref.reference())
	if err != nil {
		return desc, c.classify("resolve", ref.String(), ref.Registry, err)
	}
	return desc, nil
}

// Referrers lists the manifests whose subject is the manifest ref names by
// digest, of artifactType ("" for any), through the referrers API or, on
// registries without it (distribution 2.x), the referrers tag
// "sha256-HEX".
func (c *Client) Referrers(ctx context.Context, ref Reference, artifactType string) ([]ocispec.Descriptor, error) {
	if ref.Digest == "" {
		return nil, fmt.Errorf("list referrers of %s: a digest is needed", ref)
	}
	d, err := c.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	var out []ocispec.Descriptor
	err = c.repository(ref).Referrers(ctx, d, artifactType, func(refs []ocispec.Descriptor) error {
		out = append(out, refs...)
		return nil
	})
	if err != nil {
		return nil, c.classify("list referrers of", ref.String(), ref.Registry, err)
	}
	return out, nil
}

// FetchManifest fetches the manifest desc in ref's repository, checked
// against its digest and size.
func (c *Client) FetchManifest(ctx context.Context, ref Reference, desc ocispec.Descriptor) ([]byte, error) {
	rc, err := c.repository(ref).Manifests().Fetch(ctx, desc)
	if err != nil {
		return nil, c.classify("fetch manifest of", ref.String(), ref.Registry, fmt.Errorf("manifest %s: %w", desc.Digest, err))
	}
	defer rc.Close()
	data, err := readVerified(rc, desc, maxManifestSize)
	if err != nil {
		return nil, &Error{Op: "fetch manifest of", Ref: ref.String(), Err: fmt.Errorf("manifest %s: %w", desc.Digest, err)}
	}
	return data, nil
}

// FetchBlob fetches the blob desc in ref's repository, checked against its
// digest and size, refusing blobs larger than limit bytes.
func (c *Client) FetchBlob(ctx context.Context, ref Reference, desc ocispec.Descriptor, limit int64) ([]byte, error) {
	rc, err := c.repository(ref).Blobs().Fetch(ctx, desc)
	if err != nil {
		return nil, c.classify("fetch blob of", ref.String(), ref.Registry, fmt.Errorf("blob %s: %w", desc.Digest, err))
	}
	defer rc.Close()
	data, err := readVerified(rc, desc, limit)
	if err != nil {
		return nil, &Error{Op: "fetch blob of", Ref: ref.String(), Err: fmt.Errorf("blob %s: %w", desc.Digest, err)}
	}
	return data, nil
}

// Attach uploads a as a referrer of the manifest subject names by digest:
// its blobs, the empty config, then the manifest by digest, without a tag.
// On registries without the referrers API, oras-go adds it to the
// referrers tag's index as well.
func (c *Client) Attach(ctx context.Context, subject Reference, a Artifact) (ocispec.Descriptor, error) {
	if subject.Digest == "" {
		return ocispec.Descriptor{}, fmt.Errorf("attach to %s: a digest is needed", subject)
	}
	subjectDesc, err := c.Resolve(ctx, subject)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	repo := c.repository(subject.WithDigest(subject.Digest))
	layers := make([]ocispec.Descriptor, 0, len(a.Layers))
	for _, b := range a.Layers {
		d := content.NewDescriptorFromBytes(b.MediaType, b.Data)
		d.Annotations = b.Annotations
		if err := c.pushBlob(ctx, repo, d, b.Data); err != nil {
			return ocispec.Descriptor{}, c.classify("attach to", subject.String(), subject.Registry, err)
		}
		layers = append(layers, d)
	}
	// The manifest is packed in memory and pushed through the repository,
	// which keeps the referrers tag up to date where there is no API.
	mem := &memoryStore{repo: repo, client: c}
	desc, err := oras.PackManifest(ctx, mem, oras.PackManifestVersion1_1, a.ArtifactType, oras.PackManifestOptions{
		Subject: &subjectDesc, Layers: layers, ManifestAnnotations: a.Annotations,
	})
	if err != nil {
		return ocispec.Descriptor{}, c.classify("attach to", subject.String(), subject.Registry, err)
	}
	return desc, nil
}

// memoryStore is the target PackManifest writes to: the config blob
// through the retrying upload, the manifest through the repository.
type memoryStore struct {
	repo   *remote.Repository
	client *Client
}

// Push uploads one blob or the manifest.
func (m *memoryStore) Push(ctx context.Context, d ocispec.Descriptor, r io.Reader) error {
	data, err := content.ReadAll(r, d)
	if err != nil {
		return err
	}
	if isManifest(d.MediaType) {
		return m.repo.Push(ctx, d, bytes.NewReader(data))
	}
	return m.client.pushBlob(ctx, m.repo, d, data)
}

// RemoteRepository returns the oras-go repository of ref, with the
// client's credentials, TLS settings and retries, for libraries that work
// on one (notation-go).
func (c *Client) RemoteRepository(ref Reference) *remote.Repository {
	return c.repository(ref.WithTag(""))
}

// LegacyTag is the tag cosign's older formats attach to the manifest dgst:
// "sha256-HEX.suffix" (suffix "sig", "att" or "sbom").
func LegacyTag(dgst, suffix string) string {
	d := digest.Digest(dgst)
	return d.Algorithm().String() + "-" + d.Encoded() + "." + suffix
}
