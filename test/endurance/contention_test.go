//go:build endurance

package endurance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockMessage is what a berth that could not take a release's lock says.
const lockMessage = "release is locked by"

// TestFiftyUpgradesOfOneRelease starts 50 upgrades of one release at once,
// each with a 10s --lock-timeout. Each must either succeed or fail with
// the lock message within its lock timeout (and start-up); the history must
// hold one revision per success, none lost or written twice, and only the
// last deployed.
func TestFiftyUpgradesOfOneRelease(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 5})
	mustBerth(t, "install", "web", chart, "-n", ns)
	const n, lockTimeout = 50, 10 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	results := make([]berthResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = berth(ctx, "upgrade", "web", chart, "-n", ns, "--set", fmt.Sprintf("generation=%d", i+2),
				"--lock-timeout", lockTimeout.String(), "--max-history", "0")
		})
	}
	wg.Wait()
	won, lost := 0, 0
	var slowest time.Duration
	for i, r := range results {
		switch {
		case r.err == nil:
			won++
		case strings.Contains(r.stderr, lockMessage):
			lost++
			slowest = max(slowest, r.took)
			// The lock timeout, plus start-up and rendering on a loaded machine.
			if r.took > lockTimeout+30*time.Second {
				t.Errorf("upgrade %d failed for the lock after %s, want within its %s lock timeout and 30s", i, r.took, lockTimeout)
			}
		default:
			t.Errorf("upgrade %d failed otherwise than for the lock after %s: %v\n%s", i, r.took, r.err, tail(r.stderr, 5))
		}
	}
	t.Logf("%d upgrades: %d succeeded, %d failed for the lock (the slowest after %s)", n, won, lost, slowest.Round(time.Millisecond))
	if won == 0 {
		t.Error("no upgrade succeeded")
	}
	revs := history(t, ns, "web")
	checkHistory(t, revs, true)
	if len(revs) != won+1 {
		t.Errorf("%d revisions after %d successful upgrades of an installed release, want %d (%s)", len(revs), won, won+1, statuses(revs))
	}
	checkUnlocked(t, c, ns, "web")
}

// TestTwoHundredReleasesInParallel upgrades 200 releases of one namespace,
// 40 berth processes at a time: every upgrade succeeds, and each release
// ends with revisions 1 superseded and 2 deployed, unlocked.
func TestTwoHundredReleasesInParallel(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 2})
	const releases, parallel = 200, 40
	names := make([]string, releases)
	for i := range names {
		names[i] = fmt.Sprintf("r%03d", i)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	inParallel(t, ctx, names, parallel, "install", func(name string) []string {
		return []string{"install", name, chart, "-n", ns}
	})
	start := time.Now()
	took := inParallel(t, ctx, names, parallel, "upgrade", func(name string) []string {
		return []string{"upgrade", name, chart, "-n", ns, "--set", "generation=2"}
	})
	slices.Sort(took)
	t.Logf("%d upgrades, %d at a time, in %s; each took %s (median) to %s",
		releases, parallel, time.Since(start).Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	r := mustBerth(t, "list", "-n", ns, "--max", "0", "-o", "json")
	for _, name := range names {
		if !strings.Contains(r.stdout, fmt.Sprintf(`"name": %q`, name)) && !strings.Contains(r.stdout, fmt.Sprintf(`"name":%q`, name)) {
			t.Errorf("release %s missing from berth list", name)
		}
	}
	for _, name := range names[:20] {
		revs := history(t, ns, name)
		checkHistory(t, revs, true)
		if got := statuses(revs); got != "1:superseded 2:deployed" {
			t.Errorf("release %s: history %s, want 1:superseded 2:deployed", name, got)
		}
		checkUnlocked(t, c, ns, name)
	}
	checkAllDeployed(t, ns, releases)
}

// inParallel runs berth with args(name) for every name, limit at a time,
// failing the test for each run that fails; it returns how long each took.
func inParallel(t *testing.T, ctx context.Context, names []string, limit int, what string, args func(string) []string) []time.Duration {
	t.Helper()
	sem := make(chan struct{}, limit)
	took := make([]time.Duration, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, name := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := berth(ctx, args(name)...)
			took[i] = r.took
			if r.err != nil {
				mu.Lock()
				t.Errorf("%s %s: %v\n%s", what, name, r.err, tail(r.stderr, 5))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return took
}

// checkAllDeployed checks, from the release records' labels, that each of
// the n releases of ns has exactly revisions 1 and 2, 2 deployed.
func checkAllDeployed(t *testing.T, ns string, n int) {
	t.Helper()
	r := mustBerth(t, "list", "-n", ns, "--max", "0", "-a", "-o", "json")
	deployed := strings.Count(r.stdout, `"status": "deployed"`) + strings.Count(r.stdout, `"status":"deployed"`)
	if deployed != n {
		t.Errorf("berth list -a: %d releases deployed, want %d", deployed, n)
	}
	revision2 := strings.Count(r.stdout, `"revision": 2,`) + strings.Count(r.stdout, `"revision":2,`)
	if revision2 != n {
		t.Errorf("berth list -a: %d releases at revision 2, want %d", revision2, n)
	}
}
