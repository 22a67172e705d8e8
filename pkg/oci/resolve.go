package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// Tags returns the chart versions in a repository (oci://HOST/PATH/NAME),
// highest first: the tags that are SemVer versions once "_" is read as
// "+". Other tags are ignored, as Helm ignores them.
func (c *Client) Tags(ctx context.Context, ref string) ([]string, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	versions, err := c.versions(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = v.Original()
	}
	return out, nil
}

// versions lists the repository's chart versions, highest first.
func (c *Client) versions(ctx context.Context, r Reference) ([]*semver.Version, error) {
	var versions []*semver.Version
	err := c.repository(r.WithTag("")).Tags(ctx, "", func(tags []string) error {
		for _, t := range tags {
			if v, err := semver.StrictNewVersion(VersionFromTag(t)); err == nil {
				versions = append(versions, v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, c.classify("list tags of", r.WithTag("").String(), r.Registry, err)
	}
	slices.SortFunc(versions, func(a, b *semver.Version) int { return b.Compare(a) })
	return versions, nil
}

// resolveVersion turns a reference plus --version into the reference to
// fetch: by digest (checking the version's tag points at it, when both are
// given), by tag, by exact version, or by the highest version matching a
// constraint.
func (c *Client) resolveVersion(ctx context.Context, r Reference, version string) (Reference, error) {
	switch {
	case r.Digest != "" && version != "":
		tagged, err := c.resolveVersion(ctx, r.WithTag(""), version)
		if err != nil {
			return r, err
		}
		desc, err := c.repository(tagged).Resolve(ctx, tagged.Tag)
		if err != nil {
			return r, c.classify("pull", tagged.String(), r.Registry, err)
		}
		if desc.Digest.String() != r.Digest {
			return r, &Error{
				Op: "pull", Ref: r.String(), Kind: ErrNotFound,
				Err: fmt.Errorf("version %s has digest %s, not %s", version, desc.Digest, r.Digest),
			}
		}
		return r.WithDigest(r.Digest), nil
	case r.Digest != "":
		return r.WithDigest(r.Digest), nil
	case r.Tag != "" && version != "" && VersionFromTag(r.Tag) != version:
		return r, &Error{
			Op: "pull", Ref: r.String(), Err: fmt.Errorf("the reference has tag %s but --version is %s", r.Tag, version),
			Hint: "give the version either in the reference or with --version",
		}
	case r.Tag != "":
		return r, nil
	}
	if _, err := semver.StrictNewVersion(version); err == nil {
		return r.WithTag(TagFromVersion(version)), nil
	}
	return c.matchConstraint(ctx, r, version)
}

// matchConstraint picks the highest tag matching constraint ("" means
// any release).
func (c *Client) matchConstraint(ctx context.Context, r Reference, constraint string) (Reference, error) {
	expr := constraint
	if expr == "" {
		expr = "*"
	}
	cons, err := semver.NewConstraint(expr)
	if err != nil {
		return r, &Error{Op: "pull", Ref: r.String(), Err: fmt.Errorf("--version %q is neither a version nor a SemVer constraint: %w", constraint, err)}
	}
	versions, err := c.versions(ctx, r)
	if err != nil {
		return r, err
	}
	for _, v := range versions {
		if cons.Check(v) {
			return r.WithTag(TagFromVersion(v.Original())), nil
		}
	}
	what := "no version matches " + expr
	if constraint == "" {
		what = "no release version"
	}
	return r, &Error{Op: "pull", Ref: r.String(), Kind: ErrNotFound, Err: errors.New(what), Hint: available(versions)}
}

// notFound adds the repository's available versions to a not-found error
// about a tag or digest.
func (c *Client) notFound(ctx context.Context, r Reference, err error) error {
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrNotFound) {
		return err
	}
	versions, listErr := c.versions(ctx, r)
	if listErr != nil {
		e.Hint = "check the repository path"
		return e
	}
	e.Hint = available(versions)
	return e
}

func available(versions []*semver.Version) string {
	if len(versions) == 0 {
		return "the repository has no chart versions"
	}
	names := make([]string, len(versions))
	for i, v := range versions {
		names[i] = v.Original()
	}
	return "available versions: " + strings.Join(names, ", ")
}

// readVerified reads exactly d.Size bytes and checks them against d's
// digest; limit bounds the size accepted.
func readVerified(r io.Reader, d ocispec.Descriptor, limit int64) ([]byte, error) {
	if d.Size > limit || d.Size < 0 {
		return nil, fmt.Errorf("size %d exceeds the limit of %d bytes", d.Size, limit)
	}
	return content.ReadAll(r, d)
}
