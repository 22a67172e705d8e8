package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/release"
)

// envCrashSeed seeds the kill delays of TestKillMatrix: set it to the seed
// a failed run logged to kill at the same moments again (the same
// fractions of each operation's measured duration).
const envCrashSeed = "BERTH_CRASH_SEED"

// matrixObjects is the size of the bulk chart of the kill matrix: large
// enough that each operation takes a while, small enough for 20 of them.
const matrixObjects = 200

// matrixOp is an operation of the kill matrix: the commands that prepare
// the release, the command killed and then run again, and what the release
// holds once it succeeded.
type matrixOp struct {
	name  string
	setup [][]string
	args  []string
	// generation and count describe the objects of the final revision;
	// count 0 means none (uninstall).
	generation string
	count      int
	// finished is what the history shows when the operation was killed
	// after it had recorded its outcome; the command run again then
	// refuses, saying refusal, as it would after any finished operation.
	finished, refusal string
}

// matrixOps are install, upgrade (generation 2, half the objects: applies
// and prunes), rollback to revision 1 (generation 1, every object again)
// and uninstall of the bulk release.
func matrixOps(chartDir string) []matrixOp {
	// No controller makes the bulk Deployments available here: no --wait.
	install := []string{"install", "bulk", chartDir, "--wait=false"}
	upgrade := []string{"upgrade", "bulk", chartDir, "--wait=false", "--set", fmt.Sprintf("generation=2,count=%d", matrixObjects/2)}
	return []matrixOp{
		{
			name: "install", args: append(slices.Clone(install), "--set", "generation=2"), generation: "2", count: matrixObjects,
			finished: "revision 1 deployed", refusal: "release already exists",
		},
		{name: "upgrade", setup: [][]string{install}, args: upgrade, generation: "2", count: matrixObjects / 2},
		{
			name: "rollback", setup: [][]string{install, upgrade}, args: []string{"rollback", "bulk", "1", "--wait=false"},
			generation: "1", count: matrixObjects,
		},
		{name: "uninstall", setup: [][]string{install}, args: []string{"uninstall", "bulk"}, finished: "none", refusal: "release not found"},
	}
}

// killScenario is one kill of the matrix and what it left.
type killScenario struct {
	op    matrixOp
	conn  []string
	delay time.Duration
	// killed is false if berth finished before the delay.
	killed bool
	// left describes the last revision after the kill ("none" if there is
	// no record).
	left string
}

// TestKillMatrix kills berth with SIGKILL at 20 moments drawn at random
// (seeded, see envCrashSeed) within the measured duration of install,
// upgrade, rollback and uninstall of a 200-object release, five each,
// every one in a namespace of its own. The same command run again with no
// manual step succeeds (or, if the kill came after the outcome was
// recorded, refuses as after any finished operation), and leaves a
// consistent history (consecutive revisions, no pending one, the last one
// deployed and the only one), the live objects of the final revision and
// nothing else, and no lock.
//
// Every kill comes before the first recovery, so the waits for the dead
// holders' locks (DefaultLeaseDuration) overlap with the next kills.
func TestKillMatrix(t *testing.T) {
	t.Setenv(storageEnv, "")
	t.Setenv(helmStorageEnv, "")
	seed := crashSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed)) //nolint:gosec // kill moments, reproducible from the seed
	chartDir := bulkChart(t, matrixObjects)
	kubeconfig := testenv.Kubeconfig(t)
	client, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	conn := func() []string {
		return []string{"--kubeconfig", kubeconfig, "-n", testenv.Namespace(t)}
	}
	ops := matrixOps(chartDir)
	durations := measureOps(t, ops, conn())
	began := time.Now()
	var scenarios []*killScenario
	for range 5 {
		for _, op := range ops {
			// A fraction of the measured duration, so that a seed draws
			// the same moments of each operation on a faster machine.
			at := rng.Float64() * 0.8
			scenarios = append(scenarios, killOp(t, op, conn, time.Duration(at*float64(durations[op.name]))))
		}
	}
	t.Logf("20 kills took %s", time.Since(began).Round(time.Millisecond))
	killed := 0
	for i, s := range scenarios {
		if s.killed {
			killed++
		}
		t.Run(fmt.Sprintf("%02d %s at %s", i, s.op.name, s.delay.Round(time.Millisecond)), func(t *testing.T) {
			recoverScenario(t, client, s)
		})
	}
	t.Logf("seed %d: %d of %d operations killed; all recovered in %s",
		seed, killed, len(scenarios), time.Since(began).Round(time.Millisecond))
	if killed != len(scenarios) {
		t.Errorf("%d of %d operations were killed, want all", killed, len(scenarios))
	}
}

// killOp kills op after delay in a namespace of its own. An operation
// faster than measured, that finished before the kill, is run again in a
// new namespace and killed after half the delay, up to three times.
func killOp(t *testing.T, op matrixOp, conn func() []string, delay time.Duration) *killScenario {
	t.Helper()
	for attempt := 0; ; attempt++ {
		s := &killScenario{op: op, conn: conn(), delay: delay >> attempt}
		killScenarioAt(t, s)
		if s.killed || attempt == 3 {
			return s
		}
	}
}

// crashSeed returns the seed of envCrashSeed, or a new one, and logs it.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano()) //nolint:gosec // a clock reading, never negative
	if s := os.Getenv(envCrashSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", envCrashSeed, s, err)
		}
	}
	t.Logf("kill delays seeded with %d: %s=%d reproduces them", seed, envCrashSeed, seed)
	return seed
}

// measureOps runs each operation once, unkilled, as a process of its own,
// in one namespace (each prepares the release for the next), and returns
// how long each took.
func measureOps(t *testing.T, ops []matrixOp, conn []string) map[string]time.Duration {
	t.Helper()
	durations := map[string]time.Duration{}
	for _, op := range ops {
		began := time.Now()
		proc := startBerth(t, append(slices.Clone(op.args), conn...)...)
		if err := proc.Wait(); err != nil {
			t.Fatalf("berth %s: %v\n%s", strings.Join(op.args, " "), err, proc.Stdout)
		}
		durations[op.name] = time.Since(began)
		t.Logf("%s unkilled: %s", op.name, durations[op.name].Round(time.Millisecond))
	}
	return durations
}

// killScenarioAt prepares the release of s, starts its operation and kills
// it after s.delay, unless it finished first, then records what the kill
// left.
func killScenarioAt(t *testing.T, s *killScenario) {
	t.Helper()
	for _, args := range s.op.setup {
		runOK(t, append(slices.Clone(args), s.conn...)...)
	}
	proc := startBerth(t, append(slices.Clone(s.op.args), s.conn...)...)
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("berth %s ended before the kill at %s: %v\n%s", s.op.name, s.delay, err, proc.Stdout)
		}
	case <-time.After(s.delay):
		if err := proc.Process.Kill(); err != nil {
			t.Fatalf("kill berth %s after %s: %v", s.op.name, s.delay, err)
		}
		err := <-exited
		s.killed = err != nil && strings.Contains(err.Error(), "killed")
		if err != nil && !s.killed {
			t.Fatalf("berth %s before the kill at %s: %v\n%s", s.op.name, s.delay, err, proc.Stdout)
		}
	}
	s.left = "none"
	if code, out, _ := run(t, append([]string{"history", "bulk", "-o", "json"}, s.conn...)...); code == ExitOK {
		if rows := decodeRows(t, out); len(rows) > 0 {
			last := rows[len(rows)-1]
			s.left = fmt.Sprintf("revision %d %s", last.Revision, last.Status)
		}
	}
	t.Logf("%s after %s: killed=%t, left %s", s.op.name, s.delay.Round(time.Millisecond), s.killed, s.left)
}

// recoverScenario runs the killed operation of s again, unless it finished
// before the kill, and checks the release it leaves.
func recoverScenario(t *testing.T, client kubernetes.Interface, s *killScenario) {
	t.Helper()
	if s.killed {
		began := time.Now()
		code, _, stderr := run(t, append(slices.Clone(s.op.args), s.conn...)...)
		// An operation killed after it recorded its outcome is done: an
		// install refuses to install again, an uninstall finds no release.
		done := s.op.finished != "" && s.left == s.op.finished && strings.Contains(stderr, s.op.refusal)
		if code != ExitOK && !done {
			t.Fatalf("berth %s after the kill (left %s): exit %d\n%s", s.op.name, s.left, code, stderr)
		}
		t.Logf("%s again after the kill (left %s): exit %d in %s", s.op.name, s.left, code, time.Since(began).Round(time.Millisecond))
	}
	ns := s.conn[3]
	_, err := client.CoordinationV1().Leases(ns).Get(t.Context(), release.LockName("bulk"), metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("lock of release bulk: %v, want it released (not found)", err)
	}
	if s.op.count == 0 {
		checkUninstalled(t, client, s.conn)
		return
	}
	checkHistory(t, s.conn)
	checkLiveObjects(t, client, s.conn, s.op.generation, s.op.count)
}

// checkHistory checks a history left by recovery: revisions 1..n, none
// pending, the last deployed and no other, every failed one interrupted.
func checkHistory(t *testing.T, conn []string) {
	t.Helper()
	history := decodeRows(t, runOK(t, append([]string{"history", "bulk", "-o", "json"}, conn...)...))
	deployed := 0
	for i, r := range history {
		if r.Revision != i+1 {
			t.Errorf("history revisions are not consecutive: %+v", history)
		}
		switch {
		case r.Status == "deployed":
			deployed++
		case strings.HasPrefix(r.Status, "pending"):
			t.Errorf("revision %d is still %s: %+v", r.Revision, r.Status, history)
		case r.Status == "failed" && !strings.Contains(r.Description, "interrupted"):
			t.Errorf("revision %d failed for another reason than the kill: %q", r.Revision, r.Description)
		}
	}
	if deployed != 1 || history[len(history)-1].Status != "deployed" {
		t.Errorf("history has %d deployed revisions, want one, the last: %+v", deployed, history)
	}
}

// checkUninstalled checks that release bulk is gone with its objects.
func checkUninstalled(t *testing.T, client kubernetes.Interface, conn []string) {
	t.Helper()
	if code, out, _ := run(t, append([]string{"history", "bulk", "-o", "json"}, conn...)...); code == ExitOK {
		if rows := decodeRows(t, out); len(rows) > 0 && rows[len(rows)-1].Status != "uninstalled" {
			t.Errorf("release bulk after uninstall: %+v, want it gone or uninstalled", rows)
		}
	}
	live, _ := bulkLiveObjects(t, client, conn[3])
	if len(live) != 0 {
		t.Errorf("%d objects left after uninstall: %v", len(live), live)
	}
}

// checkLiveObjects checks that the objects of release bulk in the cluster
// are those of its deployed manifest, count of them, every ConfigMap at
// generation.
func checkLiveObjects(t *testing.T, client kubernetes.Interface, conn []string, generation string, count int) {
	t.Helper()
	want := manifestObjects(t, runOK(t, append([]string{"get", "manifest", "bulk"}, conn...)...))
	if len(want) != count {
		t.Errorf("deployed manifest has %d objects, want %d", len(want), count)
	}
	live, gens := bulkLiveObjects(t, client, conn[3])
	if diff := cmp.Diff(want, live); diff != "" {
		t.Errorf("live objects of release bulk (-manifest +live):\n%s", diff)
	}
	for name, gen := range gens {
		if gen != generation {
			t.Errorf("ConfigMap %s at generation %q, want %q", name, gen, generation)
		}
	}
}

// manifestObjects returns the sorted kind/name of every object of a
// manifest.
func manifestObjects(t *testing.T, manifest string) []string {
	t.Helper()
	var objects []string
	for doc := range strings.SplitSeq(manifest, "\n---") {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("decode manifest document %q: %v", doc, err)
		}
		if obj.Kind != "" {
			objects = append(objects, obj.Kind+"/"+obj.Metadata.Name)
		}
	}
	slices.Sort(objects)
	return objects
}

// bulkLiveObjects returns the sorted kind/name of every object of release bulk
// in namespace ns (the seven kinds of the bulk chart), and the generation
// of each ConfigMap.
func bulkLiveObjects(t *testing.T, client kubernetes.Interface, ns string) ([]string, map[string]string) {
	t.Helper()
	gens := map[string]string{}
	var objects []string
	for kind, list := range bulkListers(client, ns) {
		l, err := list(t.Context())
		if err == nil {
			err = meta.EachListItem(l, func(o runtime.Object) error {
				m, err := meta.Accessor(o)
				if err == nil {
					objects = append(objects, kind+"/"+m.GetName())
				}
				if cm, ok := o.(*corev1.ConfigMap); ok {
					gens[cm.Name] = cm.Data["generation"]
				}
				return err
			})
		}
		if err != nil {
			t.Fatalf("list %ss of release bulk: %v", kind, err)
		}
	}
	slices.Sort(objects)
	return objects, gens
}

// bulkListers returns a function listing the objects of release bulk for
// each kind of the bulk chart.
func bulkListers(client kubernetes.Interface, ns string) map[string]func(context.Context) (runtime.Object, error) {
	sel := metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=bulk"}
	core, apps, rbac := client.CoreV1(), client.AppsV1(), client.RbacV1()
	return map[string]func(context.Context) (runtime.Object, error){
		"ConfigMap":      func(ctx context.Context) (runtime.Object, error) { return core.ConfigMaps(ns).List(ctx, sel) },
		"Secret":         func(ctx context.Context) (runtime.Object, error) { return core.Secrets(ns).List(ctx, sel) },
		"Service":        func(ctx context.Context) (runtime.Object, error) { return core.Services(ns).List(ctx, sel) },
		"ServiceAccount": func(ctx context.Context) (runtime.Object, error) { return core.ServiceAccounts(ns).List(ctx, sel) },
		"Deployment":     func(ctx context.Context) (runtime.Object, error) { return apps.Deployments(ns).List(ctx, sel) },
		"Role":           func(ctx context.Context) (runtime.Object, error) { return rbac.Roles(ns).List(ctx, sel) },
		"RoleBinding":    func(ctx context.Context) (runtime.Object, error) { return rbac.RoleBindings(ns).List(ctx, sel) },
	}
}
