package action

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
)

// SourceKind says where a located chart came from.
type SourceKind string

// Kinds of chart sources.
const (
	// SourceLocal is a chart directory or archive on disk.
	SourceLocal SourceKind = "local"
	// SourceRepository is a chart of a classic (index.yaml) repository,
	// named REPO/NAME or found with --repo URL.
	SourceRepository SourceKind = "repository"
	// SourceURL is a chart archive downloaded from an http(s) URL.
	SourceURL SourceKind = "url"
	// SourceOCI is a chart pulled from an OCI registry.
	SourceOCI SourceKind = "oci"
)

// develConstraint is the version constraint of --devel without --version:
// any version, pre-releases included, as Helm spells it.
const develConstraint = ">0.0.0-0"

// ChartRequest is a chart as a user names it on the command line.
type ChartRequest struct {
	// Ref is the CHART argument: a chart directory or archive, REPO/NAME of
	// an added repository, NAME with RepoURL, an http(s) URL of an
	// archive, or oci://HOST/PATH/NAME[:TAG|@DIGEST].
	Ref string
	// Version is an exact version or a SemVer constraint; "" is the highest
	// release. It means nothing for a local chart, which has one version,
	// and is ignored there, as Helm ignores it.
	Version string
	// Devel admits pre-releases when Version is empty.
	Devel bool
	// RepoURL is --repo: Ref is then a chart name in that repository.
	RepoURL string
	// Repo holds the credentials and TLS settings for RepoURL and for
	// archive URLs (its Name and URL are ignored). Added repositories use
	// their own.
	Repo repo.Entry
	// Verify checks the chart's provenance before it is used.
	Verify bool
	// FetchProv also fetches the provenance file, when there is one,
	// without checking it (pull --prov).
	FetchProv bool
}

// wantsProv says whether the provenance file is needed.
func (r *ChartRequest) wantsProv() bool { return r.Verify || r.FetchProv }

// ChartLocator finds and loads charts from every source berth takes.
type ChartLocator struct {
	// Repositories returns the repositories the user added; it is called
	// only for REPO/NAME charts.
	Repositories func() (*repo.File, error)
	// CacheDir is the repository index cache (repo update writes it);
	// downloaded archives are kept under CacheDir/content by digest.
	CacheDir string
	// Registry returns the client for oci:// charts; it is called only for
	// those.
	Registry func() (*oci.Client, error)
	// UserAgent is sent to chart repositories.
	UserAgent string
	// Verifier checks an archive against its provenance file; it is called
	// when a request has Verify and Policy is nil, and must be set then.
	Verifier func(archiveName string, archive, prov []byte) (*Verification, error)
	// Policy, when set, is called instead of Verifier for every chart a
	// request with Verify locates, before the chart is loaded: a trust
	// policy's check of OCI signatures (cosign, Notation) and of archives'
	// provenance files. It returns an error to refuse the chart.
	Policy ChartPolicy
}

// ChartPolicy checks a located chart, not yet loaded, against a trust
// policy: lc has its Kind, Ref, Location, Digest (the OCI manifest digest;
// "" for archives until loaded), Archive, ArchiveName and Prov. It returns
// what it found, or an error to refuse the chart.
type ChartPolicy func(ctx context.Context, lc *LocatedChart) (*Verification, error)

// Verification is what a signature check found.
type Verification struct {
	// Signer is who signed: the user IDs of an OpenPGP key, a cosign key's
	// fingerprint, a certificate's identity or subject. Empty when a rule
	// in warn mode let an unsigned chart through (see Warning).
	Signer string `json:"signer"`
	// Fingerprint is the signing key's fingerprint: hex for OpenPGP keys,
	// sha256:HEX of a cosign public key's DER.
	Fingerprint string `json:"fingerprint"`
	// Method is how the chart was checked: "helm-prov", "sigstore-bundle"
	// (cosign), "cosign-legacy" or "notation"; "" when nothing was
	// accepted (Warning says why).
	Method string `json:"method,omitempty"`
	// Digest is what the signature covers: the OCI manifest digest, or the
	// archive's sha256.
	Digest string `json:"digest,omitempty"`
	// Policy and Rule name the trust policy file and rule applied; Mode is
	// the rule's mode (enforce or warn). All empty without a policy.
	Policy string `json:"policy,omitempty"`
	Rule   string `json:"rule,omitempty"`
	Mode   string `json:"mode,omitempty"`
	// Warning is set when a rule in warn mode let the chart through
	// without an accepted signature: why none was accepted.
	Warning string `json:"warning,omitempty"`
}

// LocatedChart is a chart found and loaded, with where it came from.
type LocatedChart struct {
	Chart *chart.Chart
	Kind  SourceKind
	// Ref is the chart as resolved: a path, "REPO/NAME", "URL NAME", an
	// archive URL, or an OCI reference.
	Ref string
	// Version is the chart's version.
	Version string
	// Digest is "sha256:HEX" of the archive, or an OCI chart's manifest
	// digest; "" for a chart directory.
	Digest string
	// Archive and Prov are the archive and provenance file downloaded (or
	// read); nil for a chart directory, Prov nil when there is none.
	Archive []byte
	Prov    []byte
	// ArchiveName is the archive's file name, NAME-VERSION.tgz.
	ArchiveName string
	// Location is what a trust policy's scopes match: oci://HOST/PATH for
	// a registry, the repository's URL for a repository chart, the URL of
	// an archive URL, file://ABSOLUTE-PATH for a local archive.
	Location string
	// Verified is the provenance check's result, nil without Verify.
	Verified *Verification
	// Warnings are things to tell the user, such as a deprecated chart in
	// an index or a legacy OCI layer.
	Warnings []string
}

// ErrChartNotFound reports a chart reference that names nothing berth can
// find.
var ErrChartNotFound = errors.New("chart not found")

// Locate finds the chart req names and loads it, in Helm's order: an OCI
// reference; a name in --repo's repository; a path that exists; an
// archive URL; REPO/NAME of an added repository. What can only be a path
// (absolute, starting with a dot, or with more than one slash) and does
// not exist is an error naming it.
func (l *ChartLocator) Locate(ctx context.Context, req ChartRequest) (*LocatedChart, error) {
	ref := strings.TrimSpace(req.Ref)
	version := strings.TrimSpace(req.Version)
	if version == "" && req.Devel {
		version = develConstraint
	}
	var (
		lc  *LocatedChart
		err error
	)
	switch {
	case oci.IsReference(ref):
		lc, err = l.locateOCI(ctx, ref, version)
	case req.RepoURL != "":
		lc, err = l.locateInRepoURL(ctx, req, ref, version)
	case pathExists(ref):
		return l.locateLocal(ctx, ref, req)
	case isArchiveURL(ref):
		lc, err = l.locateURL(ctx, req, ref)
	case filepath.IsAbs(ref) || strings.HasPrefix(ref, ".") || strings.Count(ref, "/") > 1:
		// Only a path can look like this: REPO/NAME has one slash.
		return nil, fmt.Errorf("%w: load chart %q: the path does not exist", ErrChartNotFound, ref)
	default:
		lc, err = l.locateInRepository(ctx, ref, version, req)
	}
	if err != nil {
		return nil, err
	}
	return l.finish(ctx, lc, req.Verify)
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func isArchiveURL(ref string) bool {
	u, err := url.Parse(ref)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// locateLocal loads a chart directory or archive; an archive's provenance
// is ARCHIVE.prov beside it.
func (l *ChartLocator) locateLocal(ctx context.Context, path string, req ChartRequest) (*LocatedChart, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", path, err)
	}
	if info.IsDir() {
		if req.Verify {
			return nil, fmt.Errorf("verify chart %s: a chart directory cannot be verified: package it, or drop --verify", path)
		}
		c, err := chart.Load(path)
		if err != nil {
			return nil, err
		}
		return &LocatedChart{Chart: c, Kind: SourceLocal, Ref: path, Version: c.Metadata.Version}, nil
	}
	archive, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", path, err)
	}
	lc := &LocatedChart{Kind: SourceLocal, Ref: path, Archive: archive, ArchiveName: filepath.Base(path), Location: fileLocation(path)}
	if req.wantsProv() {
		prov, err := os.ReadFile(path + ".prov")
		switch {
		case err == nil:
			lc.Prov = prov
		case req.Verify && errors.Is(err, fs.ErrNotExist) && l.Policy != nil:
			// The policy decides: a rule in warn mode takes it unsigned.
		case req.Verify && errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("verify chart %s: %s.prov does not exist: the chart is not signed; "+
				"sign it with berth package --sign, or drop --verify", path, path)
		case req.Verify || !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("verify chart %s: read its provenance file: %w", path, err)
		}
	}
	return l.finish(ctx, lc, req.Verify)
}

// finish checks the chart's signature when asked, then loads the archive
// and fills in the digest and version: nothing of a refused chart is read.
func (l *ChartLocator) finish(ctx context.Context, lc *LocatedChart, verify bool) (*LocatedChart, error) {
	if verify {
		if err := l.verify(ctx, lc); err != nil {
			return nil, err
		}
	}
	if lc.Chart == nil {
		c, err := chart.LoadArchive(bytes.NewReader(lc.Archive))
		if err != nil {
			return nil, fmt.Errorf("load chart %s: %w", lc.Ref, err)
		}
		lc.Chart = c
	}
	if lc.Version == "" {
		lc.Version = lc.Chart.Metadata.Version
	}
	if lc.Digest == "" {
		sum := sha256.Sum256(lc.Archive)
		lc.Digest = "sha256:" + hex.EncodeToString(sum[:])
	}
	return lc, nil
}

var errNoProvenance = errors.New("the chart has no provenance file (.prov): it is not signed; drop --verify, or ask its maintainers to sign it")

func (l *ChartLocator) verify(ctx context.Context, lc *LocatedChart) error {
	if l.Policy != nil {
		v, err := l.Policy(ctx, lc)
		if err != nil {
			return err
		}
		lc.Verified = v
		if v != nil && v.Warning != "" {
			lc.Warnings = append(lc.Warnings, "not verified, used all the same ("+v.Rule+" is in warn mode): "+v.Warning)
		}
		return nil
	}
	if lc.Prov == nil {
		return fmt.Errorf("verify chart %s: %w", lc.Ref, errNoProvenance)
	}
	if l.Verifier == nil {
		return fmt.Errorf("verify chart %s: no keyring configured", lc.Ref)
	}
	v, err := l.Verifier(lc.ArchiveName, lc.Archive, lc.Prov)
	if err != nil {
		return fmt.Errorf("verify chart %s: %w", lc.Ref, err)
	}
	lc.Verified = v
	return nil
}

// locateOCI pulls an OCI chart through the registry client.
func (l *ChartLocator) locateOCI(ctx context.Context, ref, version string) (*LocatedChart, error) {
	if l.Registry == nil {
		return nil, fmt.Errorf("pull %s: no registry client configured", ref)
	}
	client, err := l.Registry()
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	res, err := client.Pull(ctx, ref, version)
	if err != nil {
		return nil, err
	}
	r, _ := oci.ParseReference(res.Ref) // Pull returns what it parsed
	return &LocatedChart{
		Kind: SourceOCI, Ref: res.Ref, Version: res.Version, Digest: res.Digest,
		Archive: res.Archive, Prov: res.Prov, ArchiveName: res.Name + "-" + res.Version + ".tgz",
		Location: oci.Scheme + r.Registry + "/" + r.Repository, Warnings: res.Warnings,
	}, nil
}

// fileLocation is the Location of a local archive: file:// and its
// absolute path.
func fileLocation(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return "file://" + filepath.ToSlash(path)
}
