package action

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// ErrNotPromotable means the source revision records no chart that a
// promotion can fetch by digest.
var ErrNotPromotable = errors.New("release revision cannot be promoted")

// PromoteOptions tune Promote. The target is the Configuration Promote is
// called with; Source is the source release's.
type PromoteOptions struct {
	ApplySettings
	RenderOptions
	// Source is the configuration of the source release's namespace (and
	// cluster).
	Source *Configuration
	// SourceContext and TargetContext are the kubeconfig contexts of the
	// source and the target, recorded and reported; "" when not known.
	SourceContext, TargetContext string
	// Name is the source release; TargetName the target's ("" is Name).
	Name, TargetName string
	// CreateNamespace creates the target namespace when the target
	// release is installed.
	CreateNamespace bool
	// Values are the target's user values; none reuses the target's last
	// values, as upgrade does.
	Values map[string]any
	// Labels are merged over the target release's labels.
	Labels map[string]string
	// CopyTo is oci://HOST/PATH: the chart is copied there (as
	// PATH/NAME:TAG, with its referrers) and the target deploys it from
	// there; "" deploys it from where the source did.
	CopyTo string
	// Gates are the conditions the source must meet.
	Gates PromoteGates
	// Plan, when set, is applied to the target instead of rendering the
	// chart again (ApplyPlan): a plan made with PlanOut and approved.
	Plan *Plan
	// PlanOut writes the plan of the promotion to this file instead of
	// applying it; nothing is copied either.
	PlanOut string
	// Origin is who promotes, recorded in the target's provenance.
	Origin Origin
	// RollbackOnFailure rolls a failed target upgrade back, or
	// uninstalls a failed target install.
	RollbackOnFailure bool
	// Locate finds and loads charts (ChartLocator.Locate); required.
	Locate func(ctx context.Context, req ChartRequest) (*LocatedChart, error)
	// Copy copies the OCI artifact src to dst with its referrers and
	// returns the destination's manifest digest; required with CopyTo.
	Copy func(ctx context.Context, src, dst string) (string, error)
	// HealthTimeout bounds the soak gate's readiness check of the source's
	// objects; 0 is DefaultSoakHealthTimeout.
	HealthTimeout time.Duration
	// GatesOnly stops after the gates: the source's chart is fetched and
	// checked, nothing is copied, planned or applied (PromoteStack).
	GatesOnly bool
}

// DefaultSoakHealthTimeout is how long the soak gate waits for the
// source's objects to be ready before it refuses.
const DefaultSoakHealthTimeout = 30 * time.Second

// PromoteResult is what Promote did, or would have done when refused.
type PromoteResult struct {
	// Source is the revision promoted; Target the release it went to
	// (its revision once applied).
	Source, Target PromoteEnd
	// SourceChart is the source revision's chart, SourceVersion its
	// version; Chart is what the target deploys (or would have): its
	// reference, digest and signature check.
	SourceChart, Chart *release.ChartSource
	SourceVersion      string
	// Copied is the destination of the chart's copy, "" when none.
	Copied string
	// Gates are the gates asked for, passed or not, in their fixed order.
	Gates []GateResult
	// PlanDigest is the digest of the plan file written (PlanOut) or
	// applied (Plan).
	PlanDigest string
	// Warnings are things to tell the user.
	Warnings []string
	// Release is the target's new revision; Changes what its apply did.
	Release *release.Release
	Changes *kube.ChangeSet
}

// PromoteEnd names one side of a promotion.
type PromoteEnd struct {
	Context, Namespace, Release string
	Revision                    int
}

// Promote deploys to the target what the source release runs: it reads the
// source's deployed revision from its records (not from Git), checks the
// gates, copies the chart by digest to CopyTo when asked, and installs or
// upgrades the target release with that chart, pinned by digest, and the
// target's own values, recording where it was promoted from. A gate that
// fails refuses the promotion (a *PromoteRefusedError listing every
// failed gate) before anything is copied or applied.
func Promote(ctx context.Context, cfg *Configuration, opts PromoteOptions) (*PromoteResult, error) {
	p, err := newPromotion(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := p.checkGates(ctx); err != nil {
		return p.res, err
	}
	if opts.GatesOnly {
		p.res.Chart = ChartSourceOf(p.pinned.Ref, p.located)
		return p.res, nil
	}
	if err := p.placeChart(ctx); err != nil {
		return p.res, err
	}
	if opts.PlanOut != "" {
		return p.res, p.writePlan(ctx)
	}
	return p.res, p.apply(ctx)
}

// promotion is one Promote call's state.
type promotion struct {
	cfg  *Configuration
	opts PromoteOptions
	// src is the source's deployed revision; last its last revision.
	src, last *release.Release
	// pinned asks for the source's chart by digest.
	pinned ChartRequest
	// located is the source's chart; target the chart the target gets.
	located, target *LocatedChart
	res             *PromoteResult
}

func newPromotion(ctx context.Context, cfg *Configuration, opts PromoteOptions) (*promotion, error) {
	if opts.TargetName == "" {
		opts.TargetName = opts.Name
	}
	if err := validatePromotion(cfg, opts); err != nil {
		return nil, err
	}
	p := &promotion{cfg: cfg, opts: opts}
	if err := p.readSource(ctx); err != nil {
		return nil, err
	}
	chart := p.src.Provenance.Chart
	p.pinned = pinnedRequest(chart, p.src.ChartVersion())
	p.res = &PromoteResult{
		Source: PromoteEnd{
			Context: opts.SourceContext, Namespace: opts.Source.Namespace, Release: opts.Name, Revision: p.src.Revision,
		},
		Target:      PromoteEnd{Context: opts.TargetContext, Namespace: cfg.Namespace, Release: opts.TargetName},
		SourceChart: chart, SourceVersion: p.src.ChartVersion(),
	}
	if opts.CopyTo != "" && chart.Source != string(SourceOCI) {
		return nil, fmt.Errorf("promote release %q: --copy-to copies OCI charts; revision %d deployed %s (%s)",
			opts.Name, p.src.Revision, chart.Ref, chart.Source)
	}
	return p, nil
}

func validatePromotion(cfg *Configuration, opts PromoteOptions) error {
	if err := release.ValidateName(opts.Name); err != nil {
		return err
	}
	if err := release.ValidateName(opts.TargetName); err != nil {
		return err
	}
	if err := release.ValidateLabels(opts.Labels); err != nil {
		return err
	}
	switch {
	case opts.Source == nil || opts.Locate == nil:
		return errors.New("promote: the source configuration and a chart locator are required")
	case opts.Source.Namespace == cfg.Namespace && opts.SourceContext == opts.TargetContext && opts.Name == opts.TargetName:
		return fmt.Errorf("promote release %q: the target is the source (namespace %q): give another --to-namespace, --to-context or --to-name",
			opts.Name, cfg.Namespace)
	case opts.Plan != nil && opts.PlanOut != "":
		return errors.New("promote: apply a plan or write one, not both")
	}
	return nil
}

// readSource reads the source's deployed and last revisions.
func (p *promotion) readSource(ctx context.Context) error {
	src, store, name := p.opts.Source, p.opts.Source.Store, p.opts.Name
	deployed, err := release.Deployed(ctx, store, name)
	if err != nil {
		return fmt.Errorf("read release %q in namespace %q: %w", name, src.Namespace, err)
	}
	history, err := store.History(ctx, name)
	if err != nil {
		return fmt.Errorf("read history of release %q in namespace %q: %w", name, src.Namespace, err)
	}
	last := deployed
	if n := history[len(history)-1].Revision; n != deployed.Revision {
		if last, err = store.Get(ctx, name, n); err != nil {
			return fmt.Errorf("read release %q revision %d: %w", name, n, err)
		}
	}
	if deployed.ChartDigest() == "" {
		return fmt.Errorf("promote release %q: revision %d in namespace %q records no chart digest "+
			"(deployed from a chart directory, or before berth recorded provenance): %w; "+
			"upgrade it from a packaged chart or an oci:// reference first",
			name, deployed.Revision, src.Namespace, ErrNotPromotable)
	}
	p.src, p.last = deployed, last
	return nil
}

// pinnedRequest asks for the chart of source by its digest: an OCI chart
// at its manifest digest; any other by its reference and version (the
// same-digest gate then compares what comes).
func pinnedRequest(source *release.ChartSource, version string) ChartRequest {
	if source.Source == string(SourceOCI) {
		return ChartRequest{Ref: withDigest(sourceRef(source), source.Digest)}
	}
	return ChartRequest{Ref: source.Ref, Version: version}
}

// sourceRef is the reference a source's chart was resolved to.
func sourceRef(source *release.ChartSource) string {
	if source.Resolved != "" {
		return source.Resolved
	}
	return source.Ref
}

// writePlan writes the plan of the target's upgrade to PlanOut.
func (p *promotion) writePlan(ctx context.Context) error {
	res, err := DiffUpgrade(ctx, p.cfg, p.target.Chart, p.opts.Values, p.upgradeOptions())
	if err != nil {
		return fmt.Errorf("plan the promotion to release %q: %w", p.opts.TargetName, err)
	}
	plan, err := NewPlan(ctx, p.cfg, res)
	if err != nil {
		return fmt.Errorf("plan the promotion to release %q: %w", p.opts.TargetName, err)
	}
	if err := WritePlan(p.opts.PlanOut, plan); err != nil {
		return err
	}
	data, err := os.ReadFile(p.opts.PlanOut)
	if err != nil {
		return fmt.Errorf("read plan %s back: %w", p.opts.PlanOut, err)
	}
	p.res.PlanDigest = fileDigest(data)
	return nil
}

// apply deploys the target: the approved plan, or the chart by digest.
func (p *promotion) apply(ctx context.Context) error {
	var (
		rel *release.Release
		cs  *kube.ChangeSet
		err error
	)
	if p.opts.Plan != nil {
		p.res.PlanDigest = p.opts.Plan.Digest
		origin := p.opts.Origin
		rel, cs, err = ApplyPlan(ctx, p.cfg, p.opts.Plan, ApplyPlanOptions{
			ApplySettings: p.opts.ApplySettings, RollbackOnFailure: p.opts.RollbackOnFailure, Origin: &origin,
		})
	} else {
		rel, cs, err = Upgrade(ctx, p.cfg, p.target.Chart, p.opts.Values, p.upgradeOptions())
	}
	p.res.Release, p.res.Changes = rel, cs
	if rel != nil {
		p.res.Target.Revision = rel.Revision
	}
	if err != nil {
		return fmt.Errorf("promote to release %q in namespace %q: %w", p.opts.TargetName, p.cfg.Namespace, err)
	}
	return nil
}

// upgradeOptions are the target's upgrade (or install) options.
func (p *promotion) upgradeOptions() UpgradeOptions {
	return UpgradeOptions{
		ApplySettings: p.opts.ApplySettings, RenderOptions: p.opts.RenderOptions,
		Name: p.opts.TargetName, Install: true, CreateNamespace: p.opts.CreateNamespace,
		Labels: p.opts.Labels, RollbackOnFailure: p.opts.RollbackOnFailure,
		Provenance: p.provenance(),
	}
}

// provenance is the target revision's provenance: the chart it gets, the
// source revision of what the source runs, who promotes, and the source.
func (p *promotion) provenance() *release.Provenance {
	prov := NewProvenance(p.res.Chart, p.opts.Origin)
	if s := p.src.Provenance; s.SourceRevision != "" {
		// The same bytes: the source's build, whatever commit CI promotes from.
		prov.SourceRevision, prov.SourceRepository = s.SourceRevision, s.SourceRepository
	}
	prov.PromotedFrom = &release.PromotedFrom{
		Context: p.opts.SourceContext, Namespace: p.opts.Source.Namespace, Release: p.opts.Name, Revision: p.src.Revision,
	}
	if p.opts.CopyTo != "" {
		prov.PromotedFrom.ChartRef = sourceRef(p.src.Provenance.Chart)
	}
	return prov
}
