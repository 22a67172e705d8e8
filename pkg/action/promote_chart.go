package action

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/oci"
)

// locateSource fetches the chart the source revision runs, by digest.
func (p *promotion) locateSource(ctx context.Context) error {
	lc, err := p.opts.Locate(ctx, p.pinned)
	if err != nil {
		return fmt.Errorf("promote release %q: fetch the chart revision %d runs (%s): %w",
			p.opts.Name, p.src.Revision, p.pinned.Ref, err)
	}
	p.located = lc
	return nil
}

// placeChart copies the chart to CopyTo when asked (not for a dry run or
// a plan) and settles what the target deploys and records.
func (p *promotion) placeChart(ctx context.Context) error {
	p.target = p.located
	ref := p.pinned.Ref
	if p.opts.CopyTo != "" {
		dst, err := p.copyDestination()
		if err != nil {
			return err
		}
		ref = withDigest(dst, p.located.Digest)
		if p.opts.DryRun == DryRunNone && p.opts.PlanOut == "" {
			if p.target, err = p.copyChart(ctx, dst); err != nil {
				return err
			}
			p.res.Copied = dst
		}
	}
	p.res.Chart = ChartSourceOf(ref, p.target)
	return nil
}

// copyChart copies the source's chart to dst with its referrers and
// fetches it back from there by digest, verified when the signature gate
// is on (the signatures travel with the copy).
func (p *promotion) copyChart(ctx context.Context, dst string) (*LocatedChart, error) {
	if p.opts.Copy == nil {
		return nil, fmt.Errorf("promote release %q: --copy-to: copying charts between registries is not available", p.opts.Name)
	}
	want := p.located.Digest
	got, err := p.opts.Copy(ctx, p.pinned.Ref, dst)
	if err != nil {
		return nil, fmt.Errorf("promote release %q: copy %s to %s: %w", p.opts.Name, p.pinned.Ref, dst, err)
	}
	if got != want {
		return nil, fmt.Errorf("promote release %q: the copy at %s has digest %s, the source %s: nothing was applied",
			p.opts.Name, dst, got, want)
	}
	lc, err := p.opts.Locate(ctx, ChartRequest{Ref: withDigest(dst, want), Verify: p.opts.Gates.Signature})
	if err != nil {
		return nil, fmt.Errorf("promote release %q: the copy at %s: %w: nothing was applied", p.opts.Name, dst, err)
	}
	if lc.Digest != want {
		return nil, fmt.Errorf("promote release %q: %s gave digest %s, not %s: nothing was applied", p.opts.Name, dst, lc.Digest, want)
	}
	return lc, nil
}

// copyDestination is where CopyTo puts the source's chart:
// CopyTo/NAME:TAG, with the source's tag, or its chart version.
func (p *promotion) copyDestination() (string, error) {
	src, err := oci.ParseReference(sourceRef(p.src.Provenance.Chart))
	if err != nil {
		return "", fmt.Errorf("promote release %q: %w", p.opts.Name, err)
	}
	tag := src.Tag
	if tag == "" {
		tag = oci.TagFromVersion(p.src.ChartVersion())
	}
	base := strings.TrimSuffix(p.opts.CopyTo, "/")
	if !oci.IsReference(base) {
		return "", fmt.Errorf("invalid --copy-to %q: use oci://HOST/PATH", p.opts.CopyTo)
	}
	dst := base + "/" + src.Name() + ":" + tag
	if _, err := oci.ParseReference(dst); err != nil {
		return "", fmt.Errorf("invalid --copy-to %q: %w", p.opts.CopyTo, err)
	}
	return dst, nil
}

// withDigest returns the OCI reference ref's repository at digest; ref as
// it is when it does not parse (Locate then says why).
func withDigest(ref, digest string) string {
	r, err := oci.ParseReference(ref)
	if err != nil {
		return ref
	}
	return r.WithDigest(digest).String()
}

// namespacedRef defaults ref's namespace to cfg's when its kind is
// namespaced; a kind the cluster does not serve is left as it is.
func namespacedRef(cfg *Configuration, apiVersion string, ref kube.ObjectRef) (kube.ObjectRef, error) {
	if ref.Namespace != "" {
		return ref, nil
	}
	mapping, err := cfg.Kube.RESTMapper().RESTMapping(ref.GroupKind(), ref.Version)
	if meta.IsNoMatchError(err) {
		return ref, nil
	}
	if err != nil {
		return ref, fmt.Errorf("%s (%s): resolve kind: %w", ref, apiVersion, err)
	}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ref.Namespace = cfg.Namespace
	}
	return ref, nil
}
