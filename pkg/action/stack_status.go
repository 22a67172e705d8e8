package action

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/render"
	"github.com/berth-sh/berth/pkg/stack"
)

// StackReleaseStatus is how one release of a stack stands in the cluster.
type StackReleaseStatus struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// InStack is false for a release the inventory holds and the stack
	// file no longer has (to prune).
	InStack bool `json:"inStack"`
	// Revision and Status are the release's last revision's; Status is
	// "not installed" without one.
	Revision int    `json:"revision,omitempty"`
	Status   string `json:"status"`
	Chart    string `json:"chart,omitempty"`
	Version  string `json:"version,omitempty"`
	// Digest is the chart digest the stack last applied.
	Digest string `json:"digest,omitempty"`
	// Ready says whether the deployed objects are ready ("ready", or
	// "not ready: ..." with the first object that is not).
	Ready string `json:"ready,omitempty"`
	// Drifted counts the objects changed or deleted out of band.
	Drifted int `json:"drifted"`
	// Applied says whether the last revision is the one the stack applied.
	Applied bool `json:"applied"`
}

// readyProbe bounds the look at a release's readiness in StackStatus.
const readyProbe = 2 * time.Second

// StackStatus reports each release of t's environment, and each release
// of the inventory the file no longer has: last revision, the chart the
// stack applied, readiness and drift. It changes nothing.
func StackStatus(ctx context.Context, t *StackTarget) ([]StackReleaseStatus, error) {
	inv, err := t.Inventory.Get(ctx)
	if err != nil {
		return nil, err
	}
	var entries []StackReleaseStatus
	for _, r := range t.releases() {
		res, err := t.Stack.Resolve(t.Environment, r.Name)
		if err != nil {
			return nil, err
		}
		entries = append(entries, StackReleaseStatus{Name: r.Name, Namespace: res.Namespace, InStack: true})
	}
	if t.Selected == nil {
		for _, e := range t.orphans(inv) {
			entries = append(entries, StackReleaseStatus{Name: e.Name, Namespace: e.Namespace})
		}
	}
	errs := make([]error, len(entries))
	var wg sync.WaitGroup
	for i := range entries {
		wg.Go(func() { errs[i] = t.statusOf(ctx, &entries[i], inv.Release(entries[i].Name)) })
	}
	wg.Wait()
	return entries, errors.Join(errs...)
}

func (t *StackTarget) statusOf(ctx context.Context, st *StackReleaseStatus, entry *stack.InventoryRelease) error {
	if entry != nil {
		st.Chart, st.Version, st.Digest = entry.Chart, entry.Version, entry.ChartDigest
	}
	cfg, err := t.config(st.Name, st.Namespace)
	if err != nil {
		return err
	}
	cfg.Progress = nil
	last, err := release.Last(ctx, cfg.Store, st.Name)
	if errors.Is(err, release.ErrNotFound) {
		st.Status = "not installed"
		return nil
	}
	if err != nil {
		return fmt.Errorf("read release %q: %w", st.Name, err)
	}
	st.Revision, st.Status = last.Revision, string(last.Status)
	st.Applied = entry != nil && entry.Revision == last.Revision && entry.DeployDigest != ""
	if last.Status != release.StatusDeployed {
		return nil
	}
	drift, err := Drift(ctx, cfg, st.Name)
	if err != nil {
		return fmt.Errorf("release %s: %w", st.Name, err)
	}
	for _, d := range drift.Objects {
		if d.Drifted() {
			st.Drifted++
		}
	}
	st.Ready = readiness(ctx, cfg, last)
	return nil
}

// readiness looks, for at most readyProbe, whether rel's objects are ready.
func readiness(ctx context.Context, cfg *Configuration, rel *release.Release) string {
	refs, err := manifestRefs(fmt.Sprintf("release %q revision %d", rel.Name, rel.Revision), rel.Manifest)
	if err != nil {
		return "unknown: " + err.Error()
	}
	entries := make([]kube.ChangeSetEntry, len(refs))
	mapper := cfg.Kube.RESTMapper()
	for i, r := range refs {
		m, err := mapper.RESTMapping(r.GroupKind(), r.Version)
		if r.Namespace == "" && err == nil && m.Scope.Name() == meta.RESTScopeNameNamespace {
			r.Namespace = cfg.Namespace
		}
		entries[i] = kube.ChangeSetEntry{Ref: r, Subject: r.String(), Action: kube.ActionUnchanged}
	}
	if err := cfg.Kube.Wait(ctx, entries, kube.WaitOptions{Timeout: readyProbe}); err != nil {
		var we *kube.WaitError
		if errors.As(err, &we) && len(we.NotReady) > 0 {
			return "not ready: " + we.NotReady[0].String()
		}
		return "not ready: " + err.Error()
	}
	return "ready"
}

// RenderedRelease is one release rendered offline.
type RenderedRelease struct {
	Name      string
	Namespace string
	Result    *render.Result
}

// RenderStack renders every release of t's environment offline, as berth
// template does (default capabilities, no lookup), with the stack's
// values. Only t.Locator, t.Lock, t.Values and t.Selected are used.
func RenderStack(ctx context.Context, t *StackTarget) ([]RenderedRelease, error) {
	rels := t.releases()
	prepared, err := t.prepare(ctx, rels)
	if err != nil {
		return nil, err
	}
	out := make([]RenderedRelease, 0, len(rels))
	for _, r := range rels {
		sr := prepared[r.Name]
		res, err := render.Chart(sr.chart.Chart, sr.user, render.ChartOptions{Options: render.Options{
			Release:      render.ReleaseOptions{Name: r.Name, Namespace: sr.res.Namespace, Revision: 1, IsInstall: true},
			Capabilities: render.DefaultCapabilities(),
		}})
		if err != nil {
			return nil, fmt.Errorf("release %s: render chart %s: %w", r.Name, sr.chart.Ref, err)
		}
		out = append(out, RenderedRelease{Name: r.Name, Namespace: sr.res.Namespace, Result: res})
	}
	return out, nil
}
