package action_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/stack"
)

// stackTargets writes a stack of release app (chart oci://…/a/app, any
// 1.x) in environments staging and prod, the promoteEnv's namespaces, and
// returns their targets.
func (e *promoteEnv) stackTargets(t *testing.T) (from, to *action.StackTarget) {
	t.Helper()
	src := "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: shop}\ndefaults: {timeout: 30s}\n" +
		"environments:\n  staging: {namespace: " + e.staging.Namespace + "}\n  prod: {namespace: " + e.prod.Namespace + "}\n" +
		"releases:\n  - name: app\n    chart: " + e.reg.Ref("a/app/app") + "\n    version: 1.x\n    set: {color: base}\n" +
		"    environments: {prod: {set: {color: prod}}}\n"
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := stack.Load(path, stack.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc := testenv.Config(t)
	cs := kubernetes.NewForConfigOrDie(rc)
	target := func(env string, cfg *action.Configuration) *action.StackTarget {
		return &action.StackTarget{
			Stack: s, Environment: env, Locator: e.locator,
			Config:    func(string) (*action.Configuration, error) { return cfg, nil },
			Inventory: &stack.InventoryStore{Client: cs, Namespace: cfg.Namespace, Stack: "shop", Environment: env},
		}
	}
	return target("staging", e.staging), target("prod", e.prod)
}

// TestPromoteStack: a stack environment is promoted to another by the
// digests the source runs, not by what the stack's version resolves to
// now; --write-lock only pins; a refusal applies nothing; a re-pushed tag
// is refused by the lock.
func TestPromoteStack(t *testing.T) {
	e := newPromoteEnv(t)
	v1 := e.push(t, "a/app", archive(t, "1.0.0", "color: red\n"), nil)
	from, to := e.stackTargets(t)
	if _, err := action.ApplyStack(t.Context(), from, action.ApplyStackOptions{}); err != nil {
		t.Fatal(err)
	}
	e.push(t, "a/app", archive(t, "1.1.0", "color: red\n"), nil) // what 1.x resolves to now

	res, err := action.PromoteStack(t.Context(), from, to, action.PromoteStackOptions{WriteLock: true})
	if err != nil {
		t.Fatal(err)
	}
	pin, ok := res.Lock.Pin("prod", "app")
	if !ok || pin.Version != "1.0.0" || pin.Digest != v1.Digest || releaseCount(t, e.prod) != 0 {
		t.Fatalf("write lock: pin %+v (%v), prod has %d revisions", pin, ok, releaseCount(t, e.prod))
	}

	_, err = action.PromoteStack(t.Context(), from, to, action.PromoteStackOptions{Gates: action.PromoteGates{Tests: true}})
	assertRefused(t, err, []refusal{{action.GateTests, action.ReasonTestsNotRun}})
	if n := releaseCount(t, e.prod); n != 0 {
		t.Fatalf("a refused stack promotion recorded %d revisions in prod", n)
	}

	if _, err = action.PromoteStack(t.Context(), from, to, action.PromoteStackOptions{}); err != nil {
		t.Fatal(err)
	}
	rel, err := release.Last(t.Context(), e.prod.Store, "app")
	if err != nil {
		t.Fatal(err)
	}
	from0 := rel.Provenance.PromotedFrom
	if rel.ChartVersion() != "1.0.0" || rel.ChartDigest() != v1.Digest || rel.Values["color"] != "prod" ||
		from0 == nil || from0.Namespace != e.staging.Namespace || from0.Revision != 1 {
		t.Errorf("prod: chart %s %s, values %v, promoted from %+v", rel.ChartVersion(), rel.ChartDigest(), rel.Values, from0)
	}

	// 1.0.0 re-pushed with other content: prod is not given other bytes.
	e.push(t, "a/app", archive(t, "1.0.0", "color: green\n"), nil)
	if _, err := action.PromoteStack(t.Context(), from, to, action.PromoteStackOptions{}); !errors.Is(err, stack.ErrLockStale) {
		t.Errorf("promotion after a re-push = %v, want %v", err, stack.ErrLockStale)
	}
	if n := releaseCount(t, e.prod); n != 1 {
		t.Errorf("prod has %d revisions after the refused re-push, want 1", n)
	}
}
