package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
)

// PromoteGates are the conditions a promotion's source must meet; the zero
// value asks for none.
type PromoteGates struct {
	// Soak is how long the source revision must have been deployed (and
	// still be the last revision, its objects ready); 0 skips the gate.
	Soak time.Duration
	// Tests requires the source revision's last test run to have passed,
	// for its chart digest.
	Tests bool
	// Signature requires the chart to verify (ChartRequest.Verify).
	Signature bool
	// SameDigest refuses when the target would get other bytes than the
	// source runs, or when CopyTo's tag names other content already.
	SameDigest bool
	// ApprovedPlan is the digest of the approved plan file: the plan
	// applied (PromoteOptions.Plan) must have it.
	ApprovedPlan string
}

// Gate names a promotion gate.
type Gate string

// The gates, in the order they are checked and reported.
const (
	GateSoak       Gate = "soak"
	GateTests      Gate = "tests"
	GateSignature  Gate = "signature"
	GateSameDigest Gate = "same-digest"
	GateApproved   Gate = "approved"
)

// Reasons of refusals, stable codes for scripts (GateResult.Reason).
const (
	// ReasonNotCurrent: a later revision of the source failed or is in
	// progress.
	ReasonNotCurrent = "not-current"
	// ReasonTooYoung: the source revision was deployed less than the soak
	// ago.
	ReasonTooYoung = "too-young"
	// ReasonUnhealthy: an object of the source is not ready.
	ReasonUnhealthy = "unhealthy"
	// ReasonTestsNotRun: no test run is recorded for the source revision.
	ReasonTestsNotRun = "not-run"
	// ReasonNoTests: the source's chart has no tests.
	ReasonNoTests = "no-tests"
	// ReasonTestsFailed: the last test run failed or did not finish.
	ReasonTestsFailed = "failed"
	// ReasonOtherDigest: the tests ran on another chart digest.
	ReasonOtherDigest = "other-digest"
	// ReasonUnverified: the chart's signature did not verify.
	ReasonUnverified = "unverified"
	// ReasonDigestDiffers: the chart the target would get is other bytes.
	ReasonDigestDiffers = "digest-differs"
	// ReasonTagDiffers: CopyTo's tag names other content already.
	ReasonTagDiffers = "tag-differs"
	// ReasonNoPlan: --require-approved without a plan to apply.
	ReasonNoPlan = "no-plan"
	// ReasonPlanDigest: the plan file is not the approved one.
	ReasonPlanDigest = "plan-digest"
	// ReasonPlanTarget: the plan is for another release or namespace.
	ReasonPlanTarget = "plan-target"
	// ReasonPlanChart: the plan deploys another chart digest.
	ReasonPlanChart = "plan-chart"
	// ReasonPlanStale: the target moved since the plan was made.
	ReasonPlanStale = "plan-stale"
)

// ErrPromoteRefused means a gate refused the promotion; matched by
// *PromoteRefusedError.
var ErrPromoteRefused = errors.New("promotion refused")

// GateResult is one gate's verdict.
type GateResult struct {
	Gate   Gate
	Passed bool
	// Reason is a refusal's code (Reason*); "" when passed.
	Reason string
	// Message says what the gate found.
	Message string
}

func (r GateResult) refuse(reason, format string, a ...any) GateResult {
	r.Passed, r.Reason, r.Message = false, reason, fmt.Sprintf(format, a...)
	return r
}

func (r GateResult) pass(format string, a ...any) GateResult {
	r.Passed, r.Reason, r.Message = true, "", fmt.Sprintf(format, a...)
	return r
}

// PromoteRefusedError lists the gates that refused a promotion. Nothing was
// copied or applied.
type PromoteRefusedError struct {
	Refusals []GateResult
}

// Error names each refusing gate, its reason and what it found.
func (e *PromoteRefusedError) Error() string {
	parts := make([]string, len(e.Refusals))
	for i, r := range e.Refusals {
		parts[i] = fmt.Sprintf("%s (%s): %s", r.Gate, r.Reason, r.Message)
	}
	return "promotion refused: " + strings.Join(parts, "; ")
}

// Is reports whether target is ErrPromoteRefused.
func (e *PromoteRefusedError) Is(target error) bool { return target == ErrPromoteRefused }

// checkGates fetches the source's chart and checks every gate asked for,
// returning a PromoteRefusedError when any refuses.
func (p *promotion) checkGates(ctx context.Context) error {
	if err := p.locateSource(ctx); err != nil {
		return err
	}
	g := p.opts.Gates
	checks := []struct {
		on    bool
		check func(context.Context) GateResult
	}{
		{g.Soak > 0, p.soakGate},
		{g.Tests, p.testsGate},
		{g.Signature, p.signatureGate},
		{true, p.sameDigestGate},
		{g.ApprovedPlan != "" || p.opts.Plan != nil, p.approvedGate},
	}
	var refused []GateResult
	for _, c := range checks {
		if !c.on {
			continue
		}
		r := c.check(ctx)
		if r.Gate == GateSameDigest && !g.SameDigest {
			if !r.Passed {
				p.res.Warnings = append(p.res.Warnings, r.Message)
			}
			continue
		}
		p.res.Gates = append(p.res.Gates, r)
		if !r.Passed {
			refused = append(refused, r)
		}
	}
	if len(refused) > 0 {
		return &PromoteRefusedError{Refusals: refused}
	}
	return nil
}

// soakGate: the source revision is the last, deployed for Soak or longer,
// and its objects are ready now.
func (p *promotion) soakGate(ctx context.Context) GateResult {
	r, src := GateResult{Gate: GateSoak}, p.src
	if p.last.Revision != src.Revision {
		return r.refuse(ReasonNotCurrent, "revision %d of release %s is %s, after the deployed revision %d",
			p.last.Revision, p.opts.Name, p.last.Status, src.Revision)
	}
	age := p.opts.Source.now().Sub(src.LastDeployed)
	if soak := p.opts.Gates.Soak; age < soak {
		return r.refuse(ReasonTooYoung, "revision %d was deployed %s ago (%s), less than the soak of %s: %s to go",
			src.Revision, age.Round(time.Second), src.LastDeployed.UTC().Format(time.RFC3339), soak, (soak - age).Round(time.Second))
	}
	if err := p.sourceReady(ctx); err != nil {
		return r.refuse(ReasonUnhealthy, "revision %d: %v", src.Revision, err)
	}
	return r.pass("revision %d deployed %s ago, its objects ready", src.Revision, age.Round(time.Second))
}

// sourceReady checks that every object of the source revision is ready
// now, waiting at most HealthTimeout.
func (p *promotion) sourceReady(ctx context.Context) error {
	src := p.opts.Source
	objs, err := parseManifest(fmt.Sprintf("release %q revision %d", p.src.Name, p.src.Revision), p.src.Manifest)
	if err != nil {
		return err
	}
	if objs, err = kube.Flatten(objs); err != nil {
		return err
	}
	entries := make([]kube.ChangeSetEntry, 0, len(objs))
	for _, obj := range objs {
		ref, err := namespacedRef(src, obj.GetAPIVersion(), kube.RefOf(obj))
		if err != nil {
			return err
		}
		entries = append(entries, kube.ChangeSetEntry{
			Ref: ref, Subject: ref.String(), Action: kube.ActionUnchanged,
			Wait: kube.WaitMode(obj.GetAnnotations()[kube.AnnotationWait]),
		})
	}
	timeout := p.opts.HealthTimeout
	if timeout <= 0 {
		timeout = DefaultSoakHealthTimeout
	}
	return src.Kube.Wait(ctx, entries, kube.WaitOptions{Timeout: timeout})
}

// testsGate: the source revision's last test run passed, on its chart.
func (p *promotion) testsGate(context.Context) GateResult {
	r, src := GateResult{Gate: GateTests}, p.src
	if len(src.Tests) == 0 {
		return r.refuse(ReasonTestsNotRun, "revision %d has no test run recorded: run berth test %s -n %s",
			src.Revision, src.Name, p.opts.Source.Namespace)
	}
	last := src.Tests[len(src.Tests)-1]
	at := last.StartedAt.UTC().Format(time.RFC3339)
	switch {
	case last.Tests == 0:
		return r.refuse(ReasonNoTests, "the chart of revision %d has no tests (helm.sh/hook: test)", src.Revision)
	case last.ChartDigest != src.ChartDigest():
		return r.refuse(ReasonOtherDigest, "the test run of %s tested chart %s, revision %d runs %s",
			at, last.ChartDigest, src.Revision, src.ChartDigest())
	case !last.Passed:
		what := append(append([]string{}, last.Failed...), last.Skipped...)
		return r.refuse(ReasonTestsFailed, "the last test run of revision %d (%s) did not pass: %s failed or did not run",
			src.Revision, at, strings.Join(what, ", "))
	}
	return r.pass("%d test(s) of revision %d passed at %s", last.Tests, src.Revision, at)
}

// signatureGate: the source's chart verifies; the verified chart is kept.
func (p *promotion) signatureGate(ctx context.Context) GateResult {
	r := GateResult{Gate: GateSignature}
	req := p.pinned
	req.Verify = true
	lc, err := p.opts.Locate(ctx, req)
	if err != nil {
		return r.refuse(ReasonUnverified, "%v", err)
	}
	check := signatureCheckOf(lc.Verified)
	if check == nil || !check.Verified {
		why := "no signature was checked"
		if check != nil && check.Warning != "" {
			why = check.Warning + " (let through by " + check.Rule + " in warn mode)"
		}
		return r.refuse(ReasonUnverified, "%s: %s", p.pinned.Ref, why)
	}
	p.located = lc
	return r.pass("%s is signed by %s (%s)", p.pinned.Ref, check.Signer, check.Method)
}

// sameDigestGate: the chart the target would get is the bytes the source
// runs, and CopyTo's tag names nothing else.
func (p *promotion) sameDigestGate(ctx context.Context) GateResult {
	r, want := GateResult{Gate: GateSameDigest}, p.src.ChartDigest()
	if got := p.located.Digest; got != want {
		return r.refuse(ReasonDigestDiffers, "%s gives chart %s now; revision %d of release %s runs %s",
			p.pinned.Ref, got, p.src.Revision, p.opts.Name, want)
	}
	if p.opts.CopyTo != "" && p.opts.Gates.SameDigest {
		dst, err := p.copyDestination()
		if err != nil {
			return r.refuse(ReasonTagDiffers, "%v", err)
		}
		if lc, err := p.opts.Locate(ctx, ChartRequest{Ref: dst}); err == nil && lc.Digest != want {
			return r.refuse(ReasonTagDiffers, "%s names chart %s already; revision %d runs %s", dst, lc.Digest, p.src.Revision, want)
		}
	}
	return r.pass("the target gets %s, the chart revision %d runs", want, p.src.Revision)
}

// approvedGate: the plan to apply is the approved one, for the target and
// the source's chart, and nothing it was made against moved.
func (p *promotion) approvedGate(ctx context.Context) GateResult {
	r, plan := GateResult{Gate: GateApproved}, p.opts.Plan
	if plan == nil {
		return r.refuse(ReasonNoPlan, "no plan to apply: give the approved plan with --plan FILE")
	}
	if want := p.opts.Gates.ApprovedPlan; want != "" && !equalDigests(plan.Digest, want) {
		return r.refuse(ReasonPlanDigest, "the plan's digest is %s, the approved one %s", plan.Digest, want)
	}
	if plan.Release != p.opts.TargetName || plan.Namespace != p.cfg.Namespace {
		return r.refuse(ReasonPlanTarget, "the plan is for release %s/%s, the target is %s/%s",
			plan.Namespace, plan.Release, p.cfg.Namespace, p.opts.TargetName)
	}
	if got, want := plan.Revision.ChartDigest(), p.src.ChartDigest(); got != want {
		return r.refuse(ReasonPlanChart, "the plan deploys chart %q; revision %d of release %s runs %s",
			got, p.src.Revision, p.opts.Name, want)
	}
	last, _, err := currentRelease(ctx, p.cfg, plan.Release)
	if err == nil {
		err = checkPlan(ctx, p.cfg, plan, last)
	}
	if err != nil {
		return r.refuse(ReasonPlanStale, "%v", err)
	}
	return r.pass("plan %s for release %s/%s at revision %d", plan.Digest, plan.Namespace, plan.Release, plan.BaseRevision)
}

// equalDigests compares two digests, "sha256:" optional, case aside.
func equalDigests(a, b string) bool {
	trim := func(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "sha256:")) }
	return a != "" && trim(a) == trim(b)
}
