package action

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// Digests of what a stack release deploys. A stack apply records them in
// the stack's inventory; the next apply renders the release, and when the
// digest of what it would deploy is the one recorded for the revision
// that is still the release's last and deployed, and the live objects
// still hold what that revision applied (the digests of
// Release.Applied, one LIST per kind), the release is unchanged: nothing
// is sent and no revision recorded.

// valuesDigest is the sha256 of the user values' JSON (sorted keys); no
// values and empty values are the same.
func valuesDigest(user map[string]any) string {
	if user == nil {
		user = map[string]any{}
	}
	data, err := json.Marshal(user)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// chartIdentity is the chart's content digest or, for a chart directory,
// the digest of its metadata (its templates' effect is in the manifest).
func chartIdentity(lc *LocatedChart) string {
	if lc.Digest != "" {
		return lc.Digest
	}
	data, _ := json.Marshal(lc.Chart.Metadata) //nolint:errchkjson // plain struct
	sum := sha256.Sum256(data)
	return "dir:sha256:" + hex.EncodeToString(sum[:])
}

// deployDigest identifies what revision rel deploys from chart lc: chart
// digest, user values, manifest and hooks.
func deployDigest(lc *LocatedChart, rel *release.Release) string {
	h := sha256.New()
	h.Write([]byte(chartIdentity(lc) + "\x00" + valuesDigest(rel.Values) + "\x00"))
	h.Write([]byte(rel.Manifest))
	for _, hook := range rel.Hooks {
		h.Write([]byte("\x00" + hook.Path + "\x00" + hook.Manifest))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// stackUnchanged reports whether applying sr would change nothing: see
// above. It returns the release's last revision when it is unchanged.
func stackUnchanged(ctx context.Context, cfg *Configuration, sr *stackRelease, entry *stack.InventoryRelease) (*release.Release, error) {
	if entry == nil || entry.DeployDigest == "" {
		return nil, nil
	}
	name := sr.res.Name
	last, current, err := currentRelease(ctx, cfg, name)
	if errors.Is(err, release.ErrNotFound) || errors.Is(err, ErrUninstalled) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if last.Status != release.StatusDeployed || last.Revision != entry.Revision {
		return nil, nil
	}
	r, err := renderRevision(ctx, cfg, sr.chart.Chart, sr.user, name, last.Revision+1, false, RenderOptions{})
	if err != nil {
		return nil, err
	}
	r.rel.Values = sr.user
	if deployDigest(sr.chart, r.rel) != entry.DeployDigest {
		return nil, nil
	}
	prune, latest, err := staleRefs(ctx, cfg, current)
	if err != nil || !latest {
		return nil, err
	}
	objects, err := cfg.Kube.Diff(ctx, r.objs, kube.DiffOptions{
		ApplyOptions: deployApplyOptions(cfg, name, ApplySettings{}, current, latest), Prune: prune,
	})
	if err != nil {
		return nil, fmt.Errorf("compare release %s with the live objects: %w", name, err)
	}
	for _, o := range objects {
		if o.Action != kube.DiffUnchanged {
			return nil, nil
		}
	}
	return last, nil
}
