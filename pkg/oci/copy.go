package oci

import (
	"context"
	"errors"
	"fmt"
	"slices"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
)

// legacySuffixes are the tags cosign's older formats attach beside an
// artifact: signatures, attestations and SBOMs.
var legacySuffixes = []string{"sig", "att", "sbom"}

// CopyResult describes a finished copy.
type CopyResult struct {
	// Source and Destination are the references copied from and to; the
	// destination has the source's tag unless it named its own, and none
	// when the source was given by digest only.
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// Digest is the manifest digest, the same in both places.
	Digest string `json:"digest"`
	// Referrers are the artifacts that refer to the manifest (signatures,
	// SBOMs, attestations), and their own referrers, copied with it.
	Referrers []CopiedReferrer `json:"referrers"`
	// LegacyTags are cosign's sha256-HEX.sig, .att and .sbom tags copied.
	LegacyTags []string `json:"legacyTags,omitempty"`
}

// CopiedReferrer is one referrer copied.
type CopiedReferrer struct {
	Digest       string `json:"digest"`
	ArtifactType string `json:"artifactType,omitempty"`
}

// Copy copies the artifact src names (by tag or digest) to dst, by digest,
// with every artifact that refers to it (oras-go's extended copy of the
// referrers graph) and cosign's legacy tags, so that signatures, SBOMs and
// attestations travel with it. dst is oci://HOST/PATH[:TAG]; without a tag
// it gets src's. The destination digest is the source's: manifests and
// blobs are copied byte for byte.
//
// The tag is written last, after every manifest and blob is in place, so a
// copy that fails or is killed leaves no tag pointing at a missing
// manifest; running it again finishes it (what is there is skipped), and
// re-links referrers a killed run uploaded but did not index.
func (c *Client) Copy(ctx context.Context, src, dst string) (*CopyResult, error) {
	srcRef, dstRef, err := copyReferences(src, dst)
	if err != nil {
		return nil, err
	}
	root, err := c.Resolve(ctx, srcRef)
	if err != nil {
		return nil, err
	}
	srcRepo, dstRepo := c.repository(srcRef), c.repository(dstRef.WithTag(""))
	dstStore := retryingStorage{Repository: dstRepo, client: c}
	opts := oras.ExtendedCopyGraphOptions{CopyGraphOptions: oras.CopyGraphOptions{Concurrency: 3}}
	if err := oras.ExtendedCopyGraph(ctx, srcRepo, dstStore, root, opts); err != nil {
		return nil, c.classify("copy", srcRef.String(), dstRef.Registry, fmt.Errorf("to %s: %w", dstRef, err))
	}
	res := &CopyResult{Source: srcRef.String(), Digest: root.Digest.String()}
	if res.Referrers, err = c.relinkReferrers(ctx, srcRepo, dstRepo, root); err != nil {
		return nil, c.classify("copy", srcRef.String(), dstRef.Registry, fmt.Errorf("referrers to %s: %w", dstRef, err))
	}
	if res.LegacyTags, err = copyLegacyTags(ctx, srcRepo, dstStore, root); err != nil {
		return nil, c.classify("copy", srcRef.String(), dstRef.Registry, fmt.Errorf("cosign tags to %s: %w", dstRef, err))
	}
	if dstRef.Tag != "" {
		if err := dstRepo.Tag(ctx, root, dstRef.Tag); err != nil {
			return nil, c.classify("copy", srcRef.String(), dstRef.Registry, fmt.Errorf("tag %s: %w", dstRef, err))
		}
	}
	res.Destination = dstRef.WithDigest(root.Digest.String()).String()
	if dstRef.Tag != "" {
		res.Destination = dstRef.WithTag(dstRef.Tag).String() + "@" + root.Digest.String()
	}
	return res, nil
}

// copyReferences parses copy's arguments: src must name a tag or digest;
// dst gets src's tag when it names none, and may name a digest only if it
// is src's.
func copyReferences(src, dst string) (Reference, Reference, error) {
	srcRef, err := ParseReference(src)
	if err != nil {
		return Reference{}, Reference{}, err
	}
	if srcRef.Tag == "" && srcRef.Digest == "" {
		return Reference{}, Reference{}, &Error{
			Op: "copy", Ref: src, Err: errors.New("the source names no tag or digest"),
			Hint: "give the version to copy: oci://HOST/PATH/NAME:VERSION or @sha256:DIGEST",
		}
	}
	dstRef, err := ParseReference(dst)
	if err != nil {
		return Reference{}, Reference{}, err
	}
	if dstRef.Digest != "" && srcRef.Digest != "" && dstRef.Digest != srcRef.Digest {
		return Reference{}, Reference{}, &Error{
			Op: "copy", Ref: dst, Err: fmt.Errorf("the destination digest %s is not the source's %s", dstRef.Digest, srcRef.Digest),
			Hint: "a copy keeps the digest: leave it out of the destination",
		}
	}
	if dstRef.Tag == "" {
		dstRef.Tag = srcRef.Tag
	}
	dstRef.Digest = ""
	return srcRef, dstRef, nil
}

// relinkReferrers makes sure every referrer of root in src is listed as one
// in dst. ExtendedCopyGraph skips manifests dst already has, so a referrer
// uploaded by a run that was killed before it updated the referrers tag
// (registries without the referrers API) would stay unlisted: pushing it
// again lists it.
func (c *Client) relinkReferrers(ctx context.Context, src, dst *remote.Repository, root ocispec.Descriptor) ([]CopiedReferrer, error) {
	want, err := referrersOf(ctx, src, root)
	if err != nil {
		return nil, fmt.Errorf("list the source's: %w", err)
	}
	have, err := referrersOf(ctx, dst, root)
	if err != nil {
		return nil, fmt.Errorf("list the destination's: %w", err)
	}
	out := make([]CopiedReferrer, 0, len(want))
	for _, d := range want {
		out = append(out, CopiedReferrer{Digest: d.Digest.String(), ArtifactType: d.ArtifactType})
		if slices.ContainsFunc(have, func(h ocispec.Descriptor) bool { return h.Digest == d.Digest }) {
			continue
		}
		rc, err := src.Fetch(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", d.Digest, err)
		}
		err = dst.Push(ctx, d, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("push %s: %w", d.Digest, err)
		}
	}
	return out, nil
}

func referrersOf(ctx context.Context, repo *remote.Repository, d ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	var out []ocispec.Descriptor
	err := repo.Referrers(ctx, d, "", func(refs []ocispec.Descriptor) error {
		out = append(out, refs...)
		return nil
	})
	return out, err
}

// copyLegacyTags copies cosign's sha256-HEX.sig, .att and .sbom tags of
// root that src has, with what they point to.
func copyLegacyTags(ctx context.Context, src *remote.Repository, dst oras.Target, root ocispec.Descriptor) ([]string, error) {
	var copied []string
	for _, suffix := range legacySuffixes {
		tag := LegacyTag(root.Digest.String(), suffix)
		_, err := oras.Copy(ctx, src, tag, dst, tag, oras.CopyOptions{})
		switch {
		case errors.Is(err, errdef.ErrNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		copied = append(copied, tag)
	}
	return copied, nil
}
