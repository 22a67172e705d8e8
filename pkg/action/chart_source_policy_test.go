package action_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-sh/berth/internal/testenv/registry"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

var errRefused = errors.New("refused by the test policy")

// recordingPolicy records the charts it is asked about and refuses those
// whose Location contains refuse; warn, when set, lets them through with a
// warning instead.
type recordingPolicy struct {
	seen   []action.LocatedChart
	refuse string
	warn   bool
}

func (p *recordingPolicy) check(_ context.Context, lc *action.LocatedChart) (*action.Verification, error) {
	if lc.Chart != nil {
		return nil, errors.New("the policy was asked about a chart already loaded")
	}
	p.seen = append(p.seen, *lc)
	if p.refuse != "" && strings.Contains(lc.Location, p.refuse) {
		if p.warn {
			return &action.Verification{Rule: "test", Mode: "warn", Warning: "no signature"}, nil
		}
		return nil, errRefused
	}
	return &action.Verification{Signer: "sha256:key", Method: "sigstore-bundle", Digest: lc.Digest, Rule: "test", Mode: "enforce"}, nil
}

func TestLocateAsksThePolicyBeforeLoading(t *testing.T) {
	reg := registry.New(t)
	client, err := oci.NewClient(oci.Options{PlainHTTP: true, RegistryConfig: filepath.Join(t.TempDir(), "config.json")})
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := client.Push(t.Context(), repotest.Archive(t, "web", "1.0.0"), reg.Ref("charts"), oci.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "web-1.0.0.tgz")
	if err := os.WriteFile(archive, repotest.Archive(t, "web", "1.0.0"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &recordingPolicy{}
	loc := &action.ChartLocator{Registry: func() (*oci.Client, error) { return client, nil }, Policy: p.check}

	lc, err := loc.Locate(t.Context(), action.ChartRequest{Ref: pushed.Ref, Verify: true})
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	if lc.Verified == nil || lc.Verified.Warning != "" || lc.Verified.Method == "" || lc.Verified.Digest != pushed.Digest {
		t.Errorf("Verified = %+v, want the policy's verdict on %s", lc.Verified, pushed.Digest)
	}
	// An archive without .prov: the policy decides, not the locator.
	if _, err := loc.Locate(t.Context(), action.ChartRequest{Ref: archive, Verify: true}); err != nil {
		t.Fatalf("Locate(archive): %v", err)
	}
	got := []string{p.seen[0].Location, string(p.seen[0].Kind), p.seen[1].Location, string(p.seen[1].Kind)}
	want := []string{"oci://" + reg.Host + "/charts/web", "oci", "file://" + archive, "local"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("locations the policy saw (-want +got):\n%s", diff)
	}

	p.refuse = "/charts/web"
	if lc, err := loc.Locate(t.Context(), action.ChartRequest{Ref: pushed.Ref, Verify: true}); !errors.Is(err, errRefused) || lc != nil {
		t.Errorf("refused chart: %v, %v; want the policy's error and no chart", lc, err)
	}
	if _, err := loc.Locate(t.Context(), action.ChartRequest{Ref: pushed.Ref}); err != nil {
		t.Errorf("without --verify the policy is not asked: %v", err)
	}
	p.warn = true
	lc, err = loc.Locate(t.Context(), action.ChartRequest{Ref: pushed.Ref, Verify: true})
	if err != nil || (lc.Verified.Warning == "" && lc.Verified.Method != "") || !slices.ContainsFunc(lc.Warnings, func(w string) bool { return strings.Contains(w, "warn mode") }) {
		t.Errorf("warn: %+v %v, want the chart with a warning", lc, err)
	}
}

func TestDependencyUpdateAsksThePolicy(t *testing.T) {
	e := newDepEnv(t)
	p := &recordingPolicy{refuse: "/charts/db"}
	deps := e.deps(t)
	deps.Policy = p.check
	_, err := deps.Update(t.Context())
	if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "dependency db") {
		t.Fatalf("Update: %v, want the policy's refusal of db", err)
	}
	if _, err := os.Stat(filepath.Join(e.parent, "charts", "db-2.1.0.tgz")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused chart was written: %v", err)
	}
	var kinds []string
	for _, lc := range p.seen {
		kinds = append(kinds, string(lc.Kind)+" "+lc.Location)
	}
	want := []string{"repository " + e.srv.URL, "oci " + e.reg.Ref("charts/db")}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("charts the policy saw (-want +got):\n%s", diff)
	}
	p.refuse = ""
	if _, err := deps.Update(t.Context()); err != nil {
		t.Fatalf("Update with everything accepted: %v", err)
	}
}
