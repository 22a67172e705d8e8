//go:build endurance

package endurance

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestNamespaceDeletedDuringUpgrade deletes the release's namespace in the
// middle of an upgrade's apply that creates objects: the upgrade must fail
// within bounded time
// with an error that names the namespace being deleted, and leave no lock
// behind: once the namespace is gone and made again, an install of the same
// release name does not wait for a lock.
func TestNamespaceDeletedDuringUpgrade(t *testing.T) {
	c := client(t)
	ns := namespace(t, c)
	chart := writeChart(t, chartOptions{configMaps: 1000})
	mustBerth(t, "install", "web", chart, "-n", ns)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	// The upgrade creates objects too, which a namespace being deleted
	// refuses (changes to existing ones it accepts).
	up := startBerth(t, ctx, "upgrade", "web", chart, "-n", ns, "--set", "generation=2,configMaps=2000", "--timeout", "2m")
	up.until(t, "applying 100 objects", func() bool { return up.applied.Load() >= 100 })
	if err := c.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deleted := time.Now()
	ended, err := up.wait()
	t.Logf("namespace deleted %s into the upgrade, %d objects applied; upgrade ended %s later", deleted.Sub(up.started).Round(time.Millisecond),
		up.applied.Load(), ended.Sub(deleted).Round(time.Millisecond))
	if err == nil {
		t.Fatal("upgrade succeeded in a namespace deleted under it")
	}
	msg := up.stderr.String()
	if i := strings.LastIndex(msg, "Error:"); i >= 0 {
		msg = msg[i:]
	}
	says := strings.Contains(msg, "being terminated") || strings.Contains(msg, "not found")
	if !strings.Contains(msg, ns) || !says {
		t.Errorf("error does not say the namespace %s is being deleted:\n%s", ns, tail(msg, 10))
	}
	t.Logf("berth said: %s", tail(msg, 3))
	if ended.Sub(deleted) > 60*time.Second {
		t.Errorf("upgrade failed %s after the namespace was deleted, want within 60s", ended.Sub(deleted))
	}
	eventually(t, 3*time.Minute, "namespace "+ns+" gone", func(ctx context.Context) (bool, error) {
		_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if _, err := c.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	again := mustBerth(t, "install", "web", chart, "-n", ns, "--lock-timeout", "5s")
	t.Logf("install in the namespace made again took %s", again.took.Round(time.Millisecond))
	checkHistory(t, history(t, ns, "web"), true)
	checkUnlocked(t, c, ns, "web")
}
