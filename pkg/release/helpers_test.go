package release

import (
	"strconv"
	"testing"
	"time"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/chart"
)

// t0 is the time sample releases are deployed at.
var t0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

// driver builds a fresh, empty store in its own namespace.
type driver struct {
	name string
	new  func(t *testing.T, opts ...Option) (Storage, string)
}

func drivers() []driver {
	return []driver{
		{"memory", func(t *testing.T, _ ...Option) (Storage, string) {
			t.Helper()
			return NewMemory("mem"), "mem"
		}},
		{"secrets", func(t *testing.T, opts ...Option) (Storage, string) {
			t.Helper()
			ns := testenv.Namespace(t)
			return NewSecrets(testClients(t), ns, opts...), ns
		}},
		{"configmaps", func(t *testing.T, opts ...Option) (Storage, string) {
			t.Helper()
			ns := testenv.Namespace(t)
			return NewConfigMaps(testClients(t), ns, opts...), ns
		}},
	}
}

func testClients(t *testing.T) Clients {
	t.Helper()
	clients, err := NewClients(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return clients
}

// sample returns a release with every field set.
func sample(ns, name string, revision int, status Status) *Release {
	return &Release{
		Name:        name,
		Namespace:   ns,
		Revision:    revision,
		Status:      status,
		Description: "Install complete",
		Chart: &chart.Metadata{
			APIVersion: chart.APIVersionV2, Name: "web", Version: "1.2.3", AppVersion: "4.5.6",
		},
		Values:   map[string]any{"replicas": float64(2)},
		Config:   map[string]any{"replicas": float64(2), "image": map[string]any{"tag": "v1"}},
		Manifest: "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n",
		Hooks: []*Hook{{
			Name: "web-init", Kind: "Job", Path: "web/templates/job.yaml",
			Manifest: "apiVersion: batch/v1\nkind: Job\n", Events: []HookEvent{HookPreInstall, HookPreUpgrade},
			Weight: -5, DeletePolicies: []HookDeletePolicy{HookBeforeHookCreation},
			LastRun: HookExecution{StartedAt: t0, CompletedAt: t0.Add(time.Second), Phase: HookPhaseSucceeded},
		}},
		Notes:         "Thank you for installing web.",
		Labels:        map[string]string{"team": "web", "example.com/tier": "front"},
		FirstDeployed: t0,
		LastDeployed:  t0.Add(time.Duration(revision) * time.Minute),
	}
}

// mustCreate stores releases or fails the test.
func mustCreate(t *testing.T, s Storage, rels ...*Release) {
	t.Helper()
	for _, rel := range rels {
		if err := s.Create(t.Context(), rel); err != nil {
			t.Fatalf("create %s v%d: %v", rel.Name, rel.Revision, err)
		}
	}
}

// revisions returns the revision numbers of summaries.
func revisions(sums []Summary) []int {
	out := []int{}
	for _, s := range sums {
		out = append(out, s.Revision)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
