package action_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/pkg/action"
)

// refusal is a gate's expected refusal.
type refusal struct {
	gate   action.Gate
	reason string
}

// TestPromoteRefusals: each gate refuses what it should, with its reason,
// and a refused promotion copies and applies nothing.
func TestPromoteRefusals(t *testing.T) {
	tests := []struct {
		name string
		// setup deploys staging and returns the promotion's options.
		setup func(t *testing.T, e *promoteEnv) action.PromoteOptions
		want  []refusal
		// local is a source deployed from an archive file, which
		// cannot be copied between registries.
		local bool
	}{
		{"soak: too young", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\n", nil)
			e.now = e.now.Add(30 * time.Minute)
			return e.options(action.PromoteGates{Soak: time.Hour})
		}, []refusal{{action.GateSoak, action.ReasonTooYoung}}, false},
		{"soak: a later revision failed", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			ref := e.deployOCI(t, "color: red\n", nil)
			// An invalid ConfigMap name: revision 2 fails to apply.
			if _, err := e.deploy(t, ref, map[string]any{"color": "x", "extra": "Bad_Name"}, false); err == nil {
				t.Fatal("the failing upgrade passed")
			}
			e.now = e.now.Add(2 * time.Hour)
			return e.options(action.PromoteGates{Soak: time.Hour})
		}, []refusal{{action.GateSoak, action.ReasonNotCurrent}}, false},
		{"soak: objects not ready", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			// No controller makes the Deployment available.
			e.deployOCI(t, "color: red\ndeployment: true\n", nil)
			e.now = e.now.Add(2 * time.Hour)
			return e.options(action.PromoteGates{Soak: time.Hour})
		}, []refusal{{action.GateSoak, action.ReasonUnhealthy}}, false},
		{"tests: not run", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\ntest: ConfigMap\n", nil)
			return e.options(action.PromoteGates{Tests: true})
		}, []refusal{{action.GateTests, action.ReasonTestsNotRun}}, false},
		{"tests: failed", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\ntest: Pod\n", nil)
			played := finishPod(t, e.dyn, e.staging.Namespace, "app-test", "Failed")
			if err := e.test(t); err == nil {
				t.Fatal("the failing test passed")
			}
			if err := <-played; err != nil {
				t.Fatal(err)
			}
			return e.options(action.PromoteGates{Tests: true})
		}, []refusal{{action.GateTests, action.ReasonTestsFailed}}, false},
		{"tests: none in the chart", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\n", nil)
			if err := e.test(t); err != nil {
				t.Fatal(err)
			}
			return e.options(action.PromoteGates{Tests: true})
		}, []refusal{{action.GateTests, action.ReasonNoTests}}, false},
		{"signature: unsigned", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\n", nil)
			return e.options(action.PromoteGates{Signature: true})
		}, []refusal{{action.GateSignature, action.ReasonUnverified}}, false},
		{"signature: of another chart", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			a := archive(t, "1.0.0", "color: red\n")
			// A signature, but of another archive than the one pushed.
			e.deployOCI(t, "color: blue\n", signed(t, a))
			return e.options(action.PromoteGates{Signature: true})
		}, []refusal{{action.GateSignature, action.ReasonUnverified}}, false},
		{"same digest: the archive changed", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			path := writeFile(t, "app-1.0.0.tgz", archive(t, "1.0.0", "color: red\n"))
			if _, err := e.deploy(t, path, nil, false); err != nil {
				t.Fatal(err)
			}
			// Re-published under the same version with other content.
			if err := os.WriteFile(path, archive(t, "1.0.0", "color: green\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return e.options(action.PromoteGates{SameDigest: true})
		}, []refusal{{action.GateSameDigest, action.ReasonDigestDiffers}}, true},
		{"same digest: the destination tag names other content", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\n", nil)
			e.push(t, "b", archive(t, "1.0.0", "color: other\n"), nil)
			opts := e.options(action.PromoteGates{SameDigest: true})
			opts.CopyTo = e.reg.Ref("b")
			return opts
		}, []refusal{{action.GateSameDigest, action.ReasonTagDiffers}}, false},
		{"approved: no plan", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\n", nil)
			return e.options(action.PromoteGates{ApprovedPlan: "sha256:00"})
		}, []refusal{{action.GateApproved, action.ReasonNoPlan}}, false},
		{"several gates at once", func(t *testing.T, e *promoteEnv) action.PromoteOptions {
			t.Helper()
			e.deployOCI(t, "color: red\n", nil)
			return e.options(action.PromoteGates{Soak: time.Hour, Tests: true, Signature: true})
		}, []refusal{
			{action.GateSoak, action.ReasonTooYoung},
			{action.GateTests, action.ReasonTestsNotRun},
			{action.GateSignature, action.ReasonUnverified},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPromoteEnv(t)
			opts := tt.setup(t, e)
			if opts.CopyTo == "" && !tt.local {
				opts.CopyTo = e.reg.Ref("copies")
			}
			dst := opts.CopyTo + "/app:1.0.0"
			before := e.tagDigest(t, dst)
			res, err := action.Promote(t.Context(), e.prod, opts)
			if res != nil {
				t.Logf("gates %+v warnings %v", res.Gates, res.Warnings)
			}
			assertRefused(t, err, tt.want)
			if n := releaseCount(t, e.prod); n != 0 {
				t.Errorf("a refused promotion recorded %d revisions in prod", n)
			}
			if got := e.tagDigest(t, dst); got != before {
				t.Errorf("a refused promotion copied the chart: %s names %q, %q before", dst, got, before)
			}
		})
	}
}

// assertRefused checks err is a refusal by exactly the gates want.
func assertRefused(t *testing.T, err error, want []refusal) {
	t.Helper()
	var refused *action.PromoteRefusedError
	if !errors.As(err, &refused) || !errors.Is(err, action.ErrPromoteRefused) {
		t.Fatalf("Promote = %v, want a refusal", err)
	}
	var got []refusal
	for _, r := range refused.Refusals {
		if r.Passed || r.Message == "" {
			t.Errorf("refusal %+v", r)
		}
		got = append(got, refusal{r.Gate, r.Reason})
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(refusal{})); d != "" {
		t.Errorf("refusals (-want +got):\n%s\n%v", d, err)
	}
}

// TestPromotePlanRefusals: an approved plan that is not the one given, or
// is stale, refuses.
func TestPromotePlanRefusals(t *testing.T) {
	e := newPromoteEnv(t)
	e.deployOCI(t, "color: red\n", nil)
	if _, err := action.Promote(t.Context(), e.prod, e.options(action.PromoteGates{})); err != nil {
		t.Fatal(err)
	}
	opts := e.options(action.PromoteGates{})
	opts.PlanOut = writeFile(t, "plan.json", nil)
	res, err := action.Promote(t.Context(), e.prod, opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := action.ReadPlan(opts.PlanOut)
	if err != nil {
		t.Fatal(err)
	}
	opts = e.options(action.PromoteGates{ApprovedPlan: "sha256:0123"})
	opts.Plan = plan
	_, err = action.Promote(t.Context(), e.prod, opts)
	assertRefused(t, err, []refusal{{action.GateApproved, action.ReasonPlanDigest}})

	// prod moves on after the plan was made: the approved plan is stale.
	if _, err := action.Promote(t.Context(), e.prod, e.options(action.PromoteGates{})); err != nil {
		t.Fatal(err)
	}
	opts.Gates.ApprovedPlan = res.PlanDigest
	_, err = action.Promote(t.Context(), e.prod, opts)
	assertRefused(t, err, []refusal{{action.GateApproved, action.ReasonPlanStale}})
	if n := releaseCount(t, e.prod); n != 2 {
		t.Errorf("prod has %d revisions, want 2: a refused plan was applied", n)
	}
}
