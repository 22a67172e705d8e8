package oci

import (
	"bytes"
	"context"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-sh/berth/pkg/chart"
)

// PushOptions are the optional parts of a push.
type PushOptions struct {
	// Prov is the chart's provenance file, pushed as a second layer.
	Prov []byte
	// Created overrides the org.opencontainers.image.created annotation.
	// When zero, Push takes the newest modification time of the archive's
	// entries, and writes no created annotation when that is not after the
	// Unix epoch (reproducible archives).
	Created time.Time
}

// PushResult describes a pushed chart.
type PushResult struct {
	// Ref is the tagged reference: oci://HOST/PATH/NAME:TAG.
	Ref string `json:"ref"`
	// Name and Version are the chart's.
	Name    string `json:"name"`
	Version string `json:"version"`
	// Digest and Size are the manifest's.
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
	// ConfigDigest, ChartDigest and ProvDigest are the blobs' digests;
	// ProvDigest is empty without provenance.
	ConfigDigest string `json:"configDigest"`
	ChartDigest  string `json:"chartDigest"`
	ChartSize    int64  `json:"chartSize"`
	ProvDigest   string `json:"provDigest,omitempty"`
}

// Push uploads the chart archive to the repository dest/NAME, where NAME is
// the chart's name, and tags it with the chart's version ("+" written as
// "_"). dest is oci://HOST/PATH without tag or digest, as for `helm push`.
//
// The artifact is Helm's (see package doc). Blobs are uploaded first (and
// skipped when the registry has them), then the manifest by digest, and the
// tag is written last, so that a failed push never leaves a tag pointing at
// an incomplete artifact. Pushing the same archive twice gives the same
// manifest digest: the created annotation comes from the archive, not the
// clock.
func (c *Client) Push(ctx context.Context, archive []byte, dest string, opts PushOptions) (*PushResult, error) {
	destRef, err := pushDestination(dest)
	if err != nil {
		return nil, err
	}
	info, err := readArchive(archive)
	if err != nil {
		return nil, fmt.Errorf("push to %s: %w", dest, err)
	}
	md := normalize(info.Metadata)
	ref, err := chartReference(destRef, md)
	if err != nil {
		return nil, err
	}
	cm, err := packChart(md, archive, opts, info.ModTime)
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", ref, err)
	}
	if err := c.upload(ctx, ref, cm); err != nil {
		return nil, c.classify("push", ref.String(), ref.Registry, err)
	}
	res := &PushResult{
		Ref: ref.String(), Name: md.Name, Version: md.Version,
		Digest: cm.Desc.Digest.String(), Size: cm.Desc.Size,
		ConfigDigest: cm.Config.Digest.String(), ChartDigest: cm.Chart.Digest.String(), ChartSize: cm.Chart.Size,
	}
	if cm.Prov != nil {
		res.ProvDigest = cm.Prov.Digest.String()
	}
	return res, nil
}

// pushDestination parses a push destination: a repository without tag or
// digest.
func pushDestination(dest string) (Reference, error) {
	ref, err := ParseReference(dest)
	if err != nil {
		return Reference{}, err
	}
	if ref.Tag != "" || ref.Digest != "" {
		return Reference{}, &Error{
			Op: "push", Ref: dest, Err: fmt.Errorf("destination has a tag or digest"),
			Hint: "give the repository only (oci://HOST/PATH): berth names it after the chart and tags it with the chart version",
		}
	}
	return ref, nil
}

// chartReference is where a chart goes under dest: DEST/NAME:VERSION.
func chartReference(dest Reference, md *chart.Metadata) (Reference, error) {
	ref := Reference{
		Registry: dest.Registry, Repository: dest.Repository + "/" + md.Name,
		Tag: TagFromVersion(md.Version),
	}
	if err := ref.validate(); err != nil {
		return Reference{}, &Error{
			Op: "push", Ref: ref.String(), Err: err,
			Hint: "OCI repository names are lowercase letters, digits and . _ - separators: rename the chart",
		}
	}
	return ref, nil
}

// packChart builds the manifest and blobs of a chart with normalized
// metadata.
func packChart(md *chart.Metadata, archive []byte, opts PushOptions, archiveTime time.Time) (*chartManifest, error) {
	config, err := configJSON(md)
	if err != nil {
		return nil, err
	}
	created := opts.Created
	if created.IsZero() && archiveTime.After(time.Unix(0, 0)) {
		created = archiveTime
	}
	return buildManifest(config, archive, opts.Prov, manifestAnnotations(md, created))
}

// upload pushes the blobs, then the manifest by digest, then the tag.
func (c *Client) upload(ctx context.Context, ref Reference, cm *chartManifest) error {
	repo := c.repository(ref)
	blobs := []ocispec.Descriptor{cm.Config, cm.Chart}
	if cm.Prov != nil {
		blobs = append(blobs, *cm.Prov)
	}
	for _, d := range blobs {
		if err := c.pushBlob(ctx, repo, d, cm.Blobs[d.Digest.String()]); err != nil {
			return err
		}
	}
	if err := repo.Manifests().Push(ctx, cm.Desc, bytes.NewReader(cm.Manifest)); err != nil {
		return fmt.Errorf("upload manifest %s: %w", cm.Desc.Digest, err)
	}
	if err := repo.Manifests().PushReference(ctx, cm.Desc, bytes.NewReader(cm.Manifest), ref.Tag); err != nil {
		return fmt.Errorf("tag manifest %s as %s: %w", cm.Desc.Digest, ref.Tag, err)
	}
	return nil
}
