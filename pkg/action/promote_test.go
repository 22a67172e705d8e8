package action_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

// TestPromote: the chart staging runs goes to prod by digest, copied to
// repository b with its tag, with prod's values, every gate passing; prod's
// revision records the same digest and where it was promoted from.
func TestPromote(t *testing.T) {
	e := newPromoteEnv(t)
	a := archive(t, "1.0.0", "color: red\ntest: ConfigMap\n")
	pushed := e.push(t, "a/app", a, signed(t, a))
	if _, err := e.deploy(t, pushed.Ref, map[string]any{"color": "staging-green"}, true); err != nil {
		t.Fatal(err)
	}
	if err := e.test(t); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(2 * time.Hour)
	opts := e.options(action.PromoteGates{Soak: time.Hour, Tests: true, Signature: true, SameDigest: true})
	opts.CopyTo, opts.CreateNamespace = e.reg.Ref("b"), true
	res, err := action.Promote(t.Context(), e.prod, opts)
	if err != nil {
		t.Fatal(err)
	}
	var gates []string
	for _, g := range res.Gates {
		if !g.Passed {
			t.Errorf("gate %s did not pass: %s", g.Gate, g.Message)
		}
		gates = append(gates, string(g.Gate))
	}
	if d := cmp.Diff([]string{"soak", "tests", "signature", "same-digest"}, gates); d != "" {
		t.Errorf("gates (-want +got):\n%s", d)
	}
	dst := e.reg.Ref("b/app:1.0.0")
	if got := e.tagDigest(t, dst); got != pushed.Digest {
		t.Errorf("%s names %q, want the source's %s", dst, got, pushed.Digest)
	}
	rel, err := release.Last(t.Context(), e.prod.Store, "app")
	if err != nil {
		t.Fatal(err)
	}
	want := &release.Provenance{
		Chart: &release.ChartSource{
			Ref: e.reg.Ref("b/app@" + pushed.Digest), Source: "oci", Digest: pushed.Digest,
			Signature: &release.SignatureCheck{Verified: true, Method: "helm-prov", Signer: "Berth Test <test@berth.sh>", Key: rel.Provenance.Chart.Signature.Key},
		},
		ValuesDigest:   action.ValuesDigest(map[string]any{"color": "prod-blue"}),
		SourceRevision: "0123456789abcdef0123456789abcdef01234567",
		CI:             &release.CIRun{System: "github-actions", URL: "https://ci.example/runs/2"},
		Actor:          "releaser",
		PromotedFrom: &release.PromotedFrom{
			Context: "stage", Namespace: e.staging.Namespace, Release: "app", Revision: 1, ChartRef: pushed.Ref,
		},
	}
	if d := cmp.Diff(want, rel.Provenance); d != "" {
		t.Errorf("prod provenance (-want +got):\n%s", d)
	}
	if rel.Status != release.StatusDeployed || rel.ChartVersion() != "1.0.0" || rel.Values["color"] != "prod-blue" {
		t.Errorf("prod revision %d: %s, chart %s, values %v", rel.Revision, rel.Status, rel.ChartVersion(), rel.Values)
	}
	if cm := getObject(t, e.dyn, configMaps, e.prod.Namespace, "app"); cm == nil || cm.Object["data"].(map[string]any)["color"] != "prod-blue" {
		t.Errorf("prod's ConfigMap: %v", cm)
	}
	// Both releases answer "where does this build run".
	for _, cfg := range []*action.Configuration{e.staging, e.prod} {
		h, err := cfg.Store.History(t.Context(), "app")
		if err != nil {
			t.Fatal(err)
		}
		if got := h[len(h)-1].ProvenanceLabels[release.LabelChartDigest]; got != release.ShortDigest(pushed.Digest) {
			t.Errorf("namespace %s: label %s = %q", cfg.Namespace, release.LabelChartDigest, got)
		}
	}
}

// TestPromoteApprovedPlan: a promotion's plan is written, approved by its
// digest and applied as it was; the revision records the plan's digest.
func TestPromoteApprovedPlan(t *testing.T) {
	e := newPromoteEnv(t)
	v1 := e.push(t, "a/app", archive(t, "1.0.0", "color: red\n"), nil)
	if _, err := e.deploy(t, v1.Ref, nil, false); err != nil {
		t.Fatal(err)
	}
	if _, err := action.Promote(t.Context(), e.prod, e.options(action.PromoteGates{})); err != nil {
		t.Fatal(err)
	}
	v2 := e.push(t, "a/app", archive(t, "2.0.0", "color: red\nother: 1\n"), nil)
	if _, err := e.deploy(t, v2.Ref, nil, false); err != nil {
		t.Fatal(err)
	}
	opts := e.options(action.PromoteGates{})
	opts.PlanOut = writeFile(t, "plan.json", nil)
	res, err := action.Promote(t.Context(), e.prod, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.PlanDigest == "" || releaseCount(t, e.prod) != 1 {
		t.Fatalf("plan digest %q, prod has %d revisions: writing a plan applied something", res.PlanDigest, releaseCount(t, e.prod))
	}
	plan, err := action.ReadPlan(opts.PlanOut)
	if err != nil {
		t.Fatal(err)
	}
	opts = e.options(action.PromoteGates{ApprovedPlan: res.PlanDigest})
	opts.Plan = plan
	res, err = action.Promote(t.Context(), e.prod, opts)
	if err != nil {
		t.Fatal(err)
	}
	rel := res.Release
	if rel.Revision != 2 || rel.ChartDigest() != v2.Digest || rel.Provenance.PlanDigest != plan.Digest ||
		rel.Provenance.PromotedFrom.Revision != 2 || rel.Provenance.Actor != "releaser" {
		t.Errorf("revision %d: chart %s, provenance %+v", rel.Revision, rel.ChartDigest(), rel.Provenance)
	}
}
