package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/repo"
	"github.com/berth-sh/berth/pkg/release"
)

// envExecBerth makes the test binary run berth's Main with its arguments
// instead of the tests: the crash tests kill berth as a process of its own,
// built from the code under test.
const envExecBerth = "BERTH_CLI_TEST_EXEC_BERTH"

// crashTimeout bounds each berth process and each wait of the crash tests.
const crashTimeout = 3 * time.Minute

// bulkChart writes gen-chart.sh's chart of n objects (../shared/bench, as
// make bench uses it) and returns its directory.
func bulkChart(t *testing.T, n int) string {
	t.Helper()
	root, err := repo.Root(".")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(filepath.Dir(root), "shared", "bench", "gen-chart.sh")
	dir := filepath.Join(t.TempDir(), "bulk")
	out, err := exec.CommandContext(t.Context(), "bash", script, dir, fmt.Sprint(n)).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s %d: %v\n%s", script, dir, n, err, out)
	}
	return dir
}

// startBerth starts berth as a process of its own (this test binary,
// running Main) with args.
func startBerth(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...) //nolint:gosec,noctx // the test binary itself; killed by the test
	cmd.Env = append(os.Environ(), envExecBerth+"=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start berth %s: %v", strings.Join(args, " "), err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// killPoint is a moment of an operation at which berth is killed, told by
// what the cluster shows.
type killPoint struct {
	name string
	// reached reports whether the operation got there, and what it saw.
	reached func(ctx context.Context, client kubernetes.Interface, ns string) (bool, string, error)
}

// objectCount reports how many ConfigMaps and Deployments of the bulk
// release exist and how many ConfigMaps hold generation gen.
func objectCount(ctx context.Context, client kubernetes.Interface, ns, gen string) (cms, deploys, atGen int, err error) {
	sel := metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=bulk"}
	cmList, err := client.CoreV1().ConfigMaps(ns).List(ctx, sel)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, cm := range cmList.Items {
		if cm.Data["generation"] == gen {
			atGen++
		}
	}
	dList, err := client.AppsV1().Deployments(ns).List(ctx, sel)
	if err != nil {
		return 0, 0, 0, err
	}
	return len(cmList.Items), len(dList.Items), atGen, nil
}

// bulkObjects are the ConfigMaps and Deployments of gen-chart.sh's chart
// of n objects (indexes i%7 == 0 and i%7 == 3).
func bulkObjects(n int) (cms, deploys int) {
	return (n + 6) / 7, (n + 3) / 7
}

// crashCase is an operation on the bulk release killed at a point, and
// the same operation run again to recover.
type crashCase struct {
	point killPoint
	// op is "install", or "upgrade" of a release installed first.
	op string
	// killedRevision is the revision the killed operation left pending.
	killedRevision int
	wantStatuses   []string
	interrupted    string
}

// revisionRecorded is reached when revision exists, whatever its status.
func revisionRecorded(revision int) killPoint {
	return killPoint{"revision recorded", func(ctx context.Context, client kubernetes.Interface, ns string) (bool, string, error) {
		s, err := client.CoreV1().Secrets(ns).Get(ctx, release.RecordName("bulk", revision), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, fmt.Sprintf("no record of revision %d", revision), nil
		}
		if err != nil {
			return false, "", err
		}
		return true, fmt.Sprintf("revision %d %s", revision, s.Labels[release.LabelStatus]), nil
	}}
}

// crashCases kill operations that take the bulk chart to 1000 objects at
// generation 2 (install) or from 1000 objects at generation 1 to 400 at
// generation 2 (upgrade). Both record the revision, apply (ConfigMaps
// early, Deployments late), and the upgrade then prunes 600 objects. The
// recovery takes the release to 400 objects at generation 3.
var crashCases = []crashCase{
	{
		point: revisionRecorded(2), op: "upgrade", killedRevision: 2,
		wantStatuses: []string{"superseded", "failed", "deployed"}, interrupted: "Upgrade interrupted",
	},
	{
		point: killPoint{"mid-apply", func(ctx context.Context, client kubernetes.Interface, ns string) (bool, string, error) {
			_, _, atGen, err := objectCount(ctx, client, ns, "2")
			return atGen > 0, fmt.Sprintf("%d ConfigMaps at generation 2", atGen), err
		}},
		op: "upgrade", killedRevision: 2,
		wantStatuses: []string{"superseded", "failed", "deployed"}, interrupted: "Upgrade interrupted",
	},
	{
		point: killPoint{"mid-prune", func(ctx context.Context, client kubernetes.Interface, ns string) (bool, string, error) {
			cms, deploys, _, err := objectCount(ctx, client, ns, "2")
			wantCMs, wantDeploys := bulkObjects(1000)
			return cms < wantCMs || deploys < wantDeploys, fmt.Sprintf("%d ConfigMaps, %d Deployments", cms, deploys), err
		}},
		op: "upgrade", killedRevision: 2,
		wantStatuses: []string{"superseded", "failed", "deployed"}, interrupted: "Upgrade interrupted",
	},
	{
		// Deployments come after every ConfigMap: the install over the
		// failed one must prune the 85 ConfigMaps it no longer renders.
		point: killPoint{"mid-apply", func(ctx context.Context, client kubernetes.Interface, ns string) (bool, string, error) {
			cms, deploys, _, err := objectCount(ctx, client, ns, "2")
			return deploys > 0, fmt.Sprintf("%d ConfigMaps, %d Deployments", cms, deploys), err
		}},
		op: "install", killedRevision: 1,
		wantStatuses: []string{"failed", "deployed"}, interrupted: "Install interrupted",
	},
}

// TestKilledOperationRecovers kills `berth upgrade` and `berth install` of
// a 1000-object release with SIGKILL at several points; the same command
// run again, with no manual step, waits for the dead holder's lock to
// expire, marks the interrupted revision failed, and converges: every
// object rendered at the new generation, the objects of the earlier
// revisions pruned, one deployed revision and the lock released.
//
// Each case has a namespace of its own; all are killed before the first
// recovery, so the waits for the dead holders' locks (30s) overlap.
func TestKilledOperationRecovers(t *testing.T) {
	t.Setenv(storageEnv, "")
	t.Setenv(helmStorageEnv, "")
	chartDir := bulkChart(t, 1000)
	kubeconfig := testenv.Kubeconfig(t)
	client, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	conns := make([][]string, len(crashCases))
	// No controller makes the bulk Deployments available here: no --wait.
	for i, c := range crashCases {
		conn := []string{"--kubeconfig", kubeconfig, "-n", testenv.Namespace(t), "--wait=false"}
		conns[i] = conn
		began := time.Now()
		set := "generation=2"
		if c.op == "upgrade" {
			runOK(t, append([]string{"install", "bulk", chartDir}, conn...)...)
			set += ",count=400"
		}
		installed := time.Now()
		proc := startBerth(t, append([]string{c.op, "bulk", chartDir, "--set", set}, conn...)...)
		killAt(t, proc, client, conn[3], c.point)
		t.Logf("%s %s: install %s, killed after %s", c.op, c.point.name,
			installed.Sub(began).Round(time.Millisecond), time.Since(installed).Round(time.Millisecond))
		history := decodeRows(t, runOK(t, append([]string{"history", "bulk", "-o", "json"}, conn[:4]...)...))
		if last := history[len(history)-1]; last.Revision != c.killedRevision || last.Status != "pending-"+c.op {
			t.Fatalf("%s %s: after the kill the last revision is %d %s, want %d pending-%s",
				c.op, c.point.name, last.Revision, last.Status, c.killedRevision, c.op)
		}
	}
	for i, c := range crashCases {
		t.Run(c.op+" "+c.point.name, func(t *testing.T) {
			began := time.Now()
			runOK(t, append([]string{c.op, "bulk", chartDir, "--set", "generation=3,count=400"}, conns[i]...)...)
			t.Logf("recovering %s took %s", c.op, time.Since(began).Round(time.Millisecond))
			checkRecovered(t, client, conns[i][:4], c.wantStatuses, c.interrupted)
		})
	}
}

// killAt polls the cluster until the operation of proc reaches point, then
// kills proc with SIGKILL. It fails the test if proc ended first.
func killAt(t *testing.T, proc *exec.Cmd, client kubernetes.Interface, ns string, point killPoint) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	var seen string
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, crashTimeout, true, func(ctx context.Context) (bool, error) {
		select {
		case err := <-exited:
			return false, fmt.Errorf("berth ended (%w) before the kill point %q; last seen: %s\n%s", err, point.name, seen, proc.Stdout)
		default:
		}
		done, observed, err := point.reached(ctx, client, ns)
		seen = observed
		return done, err
	})
	if err != nil {
		t.Fatalf("wait for %s: %v", point.name, err)
	}
	if err := proc.Process.Kill(); err != nil {
		t.Fatalf("kill berth at %s (%s): %v", point.name, seen, err)
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("berth at %s: %v, want killed\n%s", point.name, err, proc.Stdout)
	}
	t.Logf("killed at %s: %s", point.name, seen)
}

// checkRecovered checks what a recovering operation on the bulk release
// must leave: the statuses of the history, exactly one deployed revision,
// the interrupted one described as such, no lock, and the 400 objects at
// generation 3 with the rest pruned.
func checkRecovered(t *testing.T, client kubernetes.Interface, conn, wantStatuses []string, interrupted string) {
	t.Helper()
	ns := conn[len(conn)-1]
	history := decodeRows(t, runOK(t, append([]string{"history", "bulk", "-o", "json"}, conn...)...))
	var statuses []string
	for i, r := range history {
		statuses = append(statuses, r.Status)
		if r.Revision != i+1 {
			t.Errorf("history revisions are not consecutive: %+v", history)
		}
		if r.Status == "failed" && !strings.HasPrefix(r.Description, interrupted) {
			t.Errorf("revision %d description %q, want it to start with %q", r.Revision, r.Description, interrupted)
		}
	}
	if diff := cmp.Diff(wantStatuses, statuses); diff != "" {
		t.Errorf("history statuses (-want +got):\n%s", diff)
	}
	_, err := client.CoordinationV1().Leases(ns).Get(t.Context(), release.LockName("bulk"), metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("lock of release bulk after the recovery: %v, want it released (not found)", err)
	}
	cms, deploys, atGen, err := objectCount(t.Context(), client, ns, "3")
	if err != nil {
		t.Fatal(err)
	}
	wantCMs, wantDeploys := bulkObjects(400)
	got := fmt.Sprintf("%d ConfigMaps (%d at generation 3), %d Deployments", cms, atGen, deploys)
	want := fmt.Sprintf("%d ConfigMaps (%d at generation 3), %d Deployments", wantCMs, wantCMs, wantDeploys)
	if got != want {
		t.Errorf("objects after the recovery: %s, want %s", got, want)
	}
}
