//go:build endurance

package endurance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// outage is how long kube-apiserver stays killed before it is started
// again: with its start-up, longer than the retry policy's 8 attempts (at
// most about 16s of backoff), so that only waiting for the server within
// --timeout gets the operation through, and shorter than the 30s lease of
// the release lock, which a longer outage loses.
const outage = 12 * time.Second

// running is a berth process whose -o json progress is watched.
type running struct {
	cmd     *exec.Cmd
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	applied atomic.Int64
	waiting atomic.Bool // a status event came: --wait has begun
	done    <-chan struct{}
	started time.Time
}

// startBerth starts berth with args and -o json, counting its events.
func startBerth(t *testing.T, ctx context.Context, args ...string) *running {
	t.Helper()
	r := &running{}
	r.cmd = berthCmd(ctx, append(args, "-o", "json")...)
	r.cmd.Stdout = &r.stdout
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.started = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// stderr is read only once done is closed.
	r.done = events(io.TeeReader(pipe, &r.stderr), func(ev map[string]any) {
		switch ev["type"] {
		case "applied":
			r.applied.Add(1)
		case "status":
			r.waiting.Store(true)
		}
	})
	return r
}

// until polls cond every 50ms until it holds or the process's output
// ends, failing the test then.
func (r *running) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-r.done:
			t.Fatalf("berth ended before %s:\n%s", what, tail(r.stderr.String(), 20))
		case <-tick.C:
		}
	}
}

// wait waits for the process and returns its error and when it ended.
func (r *running) wait() (time.Time, error) {
	<-r.done
	err := r.cmd.Wait()
	return time.Now(), err
}

func TestAPIServerRestartDuringApply(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 1000})
	mustBerth(t, "install", "web", chart, "-n", ns)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	up := startBerth(t, ctx, "upgrade", "web", chart, "-n", ns, "--set", "generation=2", "--timeout", "3m")
	up.until(t, "applying 100 objects", func() bool { return up.applied.Load() >= 100 })
	killed := killAPIServer(t)
	atKill := up.applied.Load()
	time.Sleep(outage)
	back := startAPIServer(t)
	ended, err := up.wait()
	t.Logf("killed after %s with %d objects applied; server back after %s; upgrade ended %s after that",
		killed.Sub(up.started).Round(time.Millisecond), atKill, back.Sub(killed).Round(time.Millisecond), ended.Sub(back).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("upgrade across a %s API server restart: %v\n%s", back.Sub(killed).Round(time.Second), err, tail(up.stderr.String(), 20))
	}
	if atKill >= 1000 {
		t.Fatalf("the apply had ended (%d applied) before the kill: nothing was tested", atKill)
	}
	revs := history(t, ns, "web")
	checkHistory(t, revs, true)
	if got := statuses(revs); got != "1:superseded 2:deployed" {
		t.Errorf("history %s, want 1:superseded 2:deployed", got)
	}
	checkUnlocked(t, c, ns, "web")
	checkGeneration(t, c, ns, "2", 1000)
	mustBerth(t, "upgrade", "web", chart, "-n", ns, "--set", "generation=3")
	checkGeneration(t, c, ns, "3", 1000)
}

func TestAPIServerRestartDuringWait(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 20, gated: true})
	openGate(t, c, ns+"-1")
	mustBerth(t, "install", "web", chart, "-n", ns, "--set", "gate="+ns+"-1", "--wait", "--timeout", "2m")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// The new pods need a label no node has yet: the wait goes on until
	// the test adds it, after the restart.
	up := startBerth(t, ctx, "upgrade", "web", chart, "-n", ns, "--set", "gate="+ns+"-2,generation=2", "--wait", "--timeout", "3m")
	up.until(t, "waiting", up.waiting.Load)
	killed := killAPIServer(t)
	time.Sleep(outage)
	back := startAPIServer(t)
	select {
	case <-up.done:
		_, err := up.wait()
		t.Fatalf("upgrade ended before its Deployment could be ready: %v\n%s", err, tail(up.stderr.String(), 20))
	case <-time.After(2 * time.Second):
	}
	openGate(t, c, ns+"-2")
	opened := time.Now()
	ready := readyAt(t, c, ns, "web-gated")
	ended, err := up.wait()
	t.Logf("killed %s into the wait; server back after %s; gate opened %s later; Deployment ready %s after that; upgrade ended %s after that",
		killed.Sub(up.started).Round(time.Millisecond), back.Sub(killed).Round(time.Millisecond),
		opened.Sub(back).Round(time.Millisecond), (<-ready).Sub(opened).Round(time.Millisecond), ended.Sub(opened).Round(time.Millisecond))
	checkWaitEnd(t, up, err, ended, ready)
	checkHistory(t, history(t, ns, "web"), true)
	checkUnlocked(t, c, ns, "web")
}

// TestAPIServerStaysAway checks that an upgrade whose API server does not
// come back within --timeout fails then, and that once the server is back
// the next upgrade records the interrupted revision failed and succeeds.
func TestAPIServerStaysAway(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 1000})
	mustBerth(t, "install", "web", chart, "-n", ns)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	const timeout = 15 * time.Second
	up := startBerth(t, ctx, "upgrade", "web", chart, "-n", ns, "--set", "generation=2", "--timeout", timeout.String())
	up.until(t, "applying 100 objects", func() bool { return up.applied.Load() >= 100 })
	killed := killAPIServer(t)
	ended, err := up.wait()
	back := startAPIServer(t)
	took := ended.Sub(up.started)
	t.Logf("killed after %s; upgrade failed %s after it started (--timeout %s); server back %s after the kill",
		killed.Sub(up.started).Round(time.Millisecond), took.Round(time.Millisecond), timeout, back.Sub(killed).Round(time.Millisecond))
	if err == nil {
		t.Fatal("upgrade succeeded with the API server gone")
	}
	if !strings.Contains(up.stderr.String(), "no answer from the API server") {
		t.Errorf("error does not say the API server did not answer:\n%s", tail(up.stderr.String(), 10))
	}
	// At the timeout, then recording the failure and unlocking, each
	// bounded by its own 10s and the retries' attempts.
	// Its requests are given up on at the timeout; recording the failure
	// and unlocking are then tried once each.
	if took < timeout-time.Second || took > timeout+15*time.Second {
		t.Errorf("upgrade failed after %s, want at its %s timeout (and at most 15s of clean-up after)", took, timeout)
	}
	// The dead server kept the lock; the next upgrade waits for its lease.
	next := mustBerth(t, "upgrade", "web", chart, "-n", ns, "--set", "generation=3")
	t.Logf("next upgrade took %s", next.took.Round(time.Millisecond))
	revs := history(t, ns, "web")
	checkHistory(t, revs, true)
	if got := statuses(revs); got != "1:superseded 2:failed 3:deployed" {
		t.Errorf("history %s, want 1:superseded 2:failed 3:deployed", got)
	}
	checkUnlocked(t, c, ns, "web")
	checkGeneration(t, c, ns, "3", 1000)
}

// checkGeneration fails unless want ConfigMaps of ns hold generation gen.
func checkGeneration(t *testing.T, c kubernetes.Interface, ns, gen string, want int) {
	t.Helper()
	list, err := c.CoreV1().ConfigMaps(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var other []string
	for _, cm := range list.Items {
		if _, ok := cm.Data["generation"]; !ok {
			continue
		}
		if cm.Data["generation"] == gen {
			n++
		} else if len(other) < 3 {
			other = append(other, fmt.Sprintf("%s at %s", cm.Name, cm.Data["generation"]))
		}
	}
	if n != want {
		t.Errorf("%d ConfigMaps at generation %s, want %d (others: %v)", n, gen, want, other)
	}
}

// readyAt polls Deployment name until it is rolled out and available (the
// generation observed, every replica updated and available) and sends the
// time it first saw it so.
func readyAt(t *testing.T, c kubernetes.Interface, ns, name string) <-chan time.Time {
	t.Helper()
	at := make(chan time.Time, 2)
	ctx := t.Context()
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			d, err := c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err == nil && d.Status.ObservedGeneration == d.Generation && d.Spec.Replicas != nil &&
				d.Status.UpdatedReplicas == *d.Spec.Replicas && d.Status.AvailableReplicas == *d.Spec.Replicas &&
				d.Status.Replicas == *d.Spec.Replicas {
				now := time.Now()
				at <- now
				at <- now
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return at
}

// checkWaitEnd fails unless the wait succeeded, not before the Deployment
// was ready and within 5s after.
func checkWaitEnd(t *testing.T, up *running, err error, ended time.Time, ready <-chan time.Time) {
	t.Helper()
	if err != nil {
		t.Fatalf("upgrade --wait: %v\n%s", err, tail(up.stderr.String(), 20))
	}
	var readyTime time.Time
	select {
	case readyTime = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the upgrade's wait succeeded, but the Deployment never became ready")
	}
	// The poll sees it up to 100ms late.
	if lag := ended.Sub(readyTime); lag < -200*time.Millisecond || lag > 5*time.Second {
		t.Errorf("the wait ended %s after the Deployment became ready, want within 5s (and not before)", lag)
	}
}
