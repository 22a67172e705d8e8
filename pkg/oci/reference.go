package oci

import (
	"fmt"
	"path"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry"
)

// Reference names a chart repository in a registry, optionally at a tag or
// a digest: oci://HOST[:PORT]/PATH/NAME[:TAG][@DIGEST].
type Reference struct {
	// Registry is the host and optional port ("ghcr.io", "127.0.0.1:5000").
	Registry string
	// Repository is the path inside the registry ("charts/app").
	Repository string
	// Tag is the OCI tag as stored in the registry, with "_" where the
	// chart version has "+" (see TagFromVersion). Empty when not given.
	Tag string
	// Digest is the manifest digest ("sha256:..."). Empty when not given.
	Digest string
}

// ParseReference parses oci://HOST/PATH[:TAG][@DIGEST]. A "+" in the tag
// is turned into "_", as Helm does, so that a chart version can be used as
// a tag directly.
func ParseReference(s string) (Reference, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Reference{}, fmt.Errorf("parse reference %q: must start with %s", s, Scheme)
	}
	var ref Reference
	if before, dgst, found := strings.Cut(rest, "@"); found {
		if _, err := digest.Parse(dgst); err != nil {
			return Reference{}, fmt.Errorf("parse reference %q: invalid digest %q: %w", s, dgst, err)
		}
		ref.Digest, rest = dgst, before
	}
	host, repo, found := strings.Cut(rest, "/")
	if !found || repo == "" {
		return Reference{}, fmt.Errorf("parse reference %q: want %sHOST/PATH", s, Scheme)
	}
	if i := strings.LastIndex(repo, ":"); i >= 0 {
		ref.Tag = TagFromVersion(repo[i+1:])
		repo = repo[:i]
	}
	ref.Registry, ref.Repository = host, repo
	if err := ref.validate(); err != nil {
		return Reference{}, fmt.Errorf("parse reference %q: %w", s, err)
	}
	return ref, nil
}

func (r Reference) validate() error {
	oras := registry.Reference{Registry: r.Registry, Repository: r.Repository, Reference: r.Tag}
	if err := oras.ValidateRegistry(); err != nil {
		return err
	}
	if err := oras.ValidateRepository(); err != nil {
		return err
	}
	if r.Tag != "" {
		return oras.ValidateReferenceAsTag()
	}
	return nil
}

// String returns the reference in its oci:// form.
func (r Reference) String() string {
	s := Scheme + r.Registry + "/" + r.Repository
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Name is the last element of the repository path, which is the chart name
// for charts pushed by berth or Helm.
func (r Reference) Name() string { return path.Base(r.Repository) }

// WithTag returns the reference to the same repository at tag, without
// digest.
func (r Reference) WithTag(tag string) Reference {
	return Reference{Registry: r.Registry, Repository: r.Repository, Tag: tag}
}

// WithDigest returns the reference to the same repository at dgst, without
// tag.
func (r Reference) WithDigest(dgst string) Reference {
	return Reference{Registry: r.Registry, Repository: r.Repository, Digest: dgst}
}

// reference is what oras-go's remote.Repository wants: the tag, the digest,
// or "" for the repository alone.
func (r Reference) reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// TagFromVersion turns a chart version into an OCI tag: OCI tags cannot
// hold "+", so Helm (and berth) write it as "_" (helm/helm#10166).
func TagFromVersion(version string) string { return strings.ReplaceAll(version, "+", "_") }

// VersionFromTag turns an OCI tag back into a chart version ("_" to "+").
func VersionFromTag(tag string) string { return strings.ReplaceAll(tag, "_", "+") }

// ParseHost accepts a registry host for login and logout, as HOST[:PORT] or
// oci://HOST[:PORT], and returns HOST[:PORT].
func ParseHost(s string) (string, error) {
	host := strings.TrimSuffix(strings.TrimPrefix(s, Scheme), "/")
	if strings.Contains(host, "/") {
		return "", fmt.Errorf("parse registry host %q: want HOST[:PORT], without a path", s)
	}
	if err := (registry.Reference{Registry: host}).ValidateRegistry(); err != nil {
		return "", fmt.Errorf("parse registry host %q: %w", s, err)
	}
	return host, nil
}

// IsReference reports whether s names a chart in a registry (oci://...)
// rather than a chart directory, archive or repository chart name.
func IsReference(s string) bool { return strings.HasPrefix(s, Scheme) }
