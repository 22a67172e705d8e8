//go:build endurance

package endurance

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestWaitRelistsAfterCompaction checks that --wait survives its watch
// being resumed from a compacted resource version: while it watches, other
// writes move etcd's revision on, etcd compacts its history up to now and
// the API server restarts (dropping its watch cache), so the informer's
// next watch from its last resource version answers 410 "too old resource
// version". The wait must list again and end when the Deployment is ready.
func TestWaitRelistsAfterCompaction(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 5, gated: true})
	openGate(t, c, ns+"-1")
	mustBerth(t, "install", "web", chart, "-n", ns, "--set", "gate="+ns+"-1", "--wait", "--timeout", "2m")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	up := startBerth(t, ctx, "upgrade", "web", chart, "-n", ns, "--set", "gate="+ns+"-2,generation=2", "--wait", "--timeout", "3m")
	up.until(t, "waiting", up.waiting.Load)
	// Writes the wait's watch does not see, then compaction past them.
	churn := namespace(t, c)
	for i := range 200 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("churn-%d", i)}, Data: map[string]string{"i": "x"}}
		if _, err := c.CoreV1().ConfigMaps(churn).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	compacted := compactEtcd(t)
	killAPIServer(t)
	back := startAPIServer(t)
	openGate(t, c, ns+"-2")
	opened := time.Now()
	ready := readyAt(t, c, ns, "web-gated")
	ended, err := up.wait()
	t.Logf("etcd compacted at revision %d; server back %s after the wait began; Deployment ready %s after the gate opened; upgrade ended %s after it",
		compacted, back.Sub(up.started).Round(time.Millisecond), (<-ready).Sub(opened).Round(time.Millisecond), ended.Sub(opened).Round(time.Millisecond))
	checkWaitEnd(t, up, err, ended, ready)
	checkHistory(t, history(t, ns, "web"), true)
	checkUnlocked(t, c, ns, "web")
}
