//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stackCharts are the charts of the stack tests: cm, one ConfigMap, and
// slow, a Deployment whose controller counts it available only after
// minReadySeconds.
var stackCharts = map[string]string{
	"charts/cm/Chart.yaml": "apiVersion: v2\nname: cm\nversion: 0.1.0\n",
	"charts/cm/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n" +
		"data:\n  color: {{ .Values.color | default \"red\" | quote }}\n",
	"charts/slow/Chart.yaml": "apiVersion: v2\nname: slow\nversion: 0.1.0\n",
	"charts/slow/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  minReadySeconds: 6
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: app, image: example.invalid/slow:1}]
`,
}

// diamondStack is a stack of 30 releases: base; a1..a12 on it; b1..b12,
// each on two neighbouring a's; top on every b (a diamond), and beside it
// slow (ready after 6s), quick and after-quick (needs quick), and loner.
func diamondStack(ns string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: diamond}\n"+
		"defaults: {namespace: %s, timeout: 2m}\nreleases:\n", ns)
	b.WriteString("  - {name: slow, chart: ./charts/slow}\n  - {name: base, chart: ./charts/cm}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "  - {name: a%d, chart: ./charts/cm, needs: [{release: base}]}\n", i)
	}
	var tops []string
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "  - {name: b%d, chart: ./charts/cm, needs: [{release: a%d}, {release: a%d}]}\n", i, i, i%12+1)
		tops = append(tops, fmt.Sprintf("{release: b%d}", i))
	}
	fmt.Fprintf(&b, "  - {name: top, chart: ./charts/cm, needs: [%s]}\n", strings.Join(tops, ", "))
	b.WriteString("  - {name: quick, chart: ./charts/cm}\n  - {name: after-quick, chart: ./charts/cm, needs: [{release: quick}]}\n")
	b.WriteString("  - {name: loner, chart: ./charts/cm}\n")
	return b.String()
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for path, content := range files {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// stackEvent is one line of stack apply -o json's stderr.
type stackEvent struct {
	Type    string    `json:"type"`
	Time    time.Time `json:"time"`
	Release string    `json:"release"`
	Outcome string    `json:"outcome"`
}

// TestStackDiamond applies a 30-release stack with a diamond-shaped graph:
// every release starts only after what it needs finished, and
// after-quick starts while slow, which it does not need, is still being
// awaited. A second apply changes nothing.
func TestStackDiamond(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	dir := t.TempDir()
	writeFiles(t, dir, stackCharts)
	writeFiles(t, dir, map[string]string{"berth.yaml": diamondStack(ns)})
	conn := []string{"--kubeconfig", kubeconfigPath(t)}
	run := runBerth(t, dir, "", append(conn, "stack", "apply", "-o", "json", "--concurrency", "30")...)
	if run.ExitCode != 0 {
		t.Fatalf("stack apply: exit %d\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	started, finished := map[string]time.Time{}, map[string]time.Time{}
	var order []string // event order as berth emitted it
	for _, line := range strings.Split(strings.TrimSpace(run.Stderr), "\n") {
		var ev stackEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("stderr line %q: %v", line, err)
		}
		switch ev.Type {
		case "release-started":
			started[ev.Release] = ev.Time
			order = append(order, "start "+ev.Release)
		case "release-finished":
			if ev.Outcome != "succeeded" {
				t.Errorf("%s: %s", ev.Release, ev.Outcome)
			}
			finished[ev.Release] = ev.Time
			order = append(order, "finish "+ev.Release)
		}
	}
	if len(started) != 30 || len(finished) != 30 {
		t.Fatalf("%d releases started and %d finished, want 30", len(started), len(finished))
	}
	index := func(s string) int {
		for i, o := range order {
			if o == s {
				return i
			}
		}
		t.Fatalf("no event %q", s)
		return -1
	}
	needs := map[string][]string{"top": nil, "after-quick": {"quick"}}
	for i := 1; i <= 12; i++ {
		needs[fmt.Sprintf("a%d", i)] = []string{"base"}
		needs[fmt.Sprintf("b%d", i)] = []string{fmt.Sprintf("a%d", i), fmt.Sprintf("a%d", i%12+1)}
		needs["top"] = append(needs["top"], fmt.Sprintf("b%d", i))
	}
	for rel, deps := range needs {
		for _, d := range deps {
			if index("start "+rel) < index("finish "+d) {
				t.Errorf("%s started before %s, which it needs, finished", rel, d)
			}
		}
	}
	// Node by node, not layer by layer: after-quick ran while slow was
	// still being awaited.
	if index("start after-quick") > index("finish slow") || !finished["after-quick"].Before(finished["slow"]) {
		t.Errorf("after-quick started at %s and finished at %s, slow finished at %s: want after-quick done before slow",
			started["after-quick"], finished["after-quick"], finished["slow"])
	}
	if d := finished["slow"].Sub(started["slow"]); d < 5*time.Second {
		t.Errorf("slow took %s: the test needs it slow (minReadySeconds)", d)
	}
	// No-op apply: every release unchanged, no new revision.
	run = runBerth(t, dir, "", append(conn, "stack", "apply", "-o", "json")...)
	if run.ExitCode != 0 || strings.Count(run.Stdout, `"outcome": "unchanged"`) != 30 {
		t.Fatalf("second apply: exit %d, want 30 unchanged\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	secrets, err := client.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "name=top"})
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items) != 1 {
		t.Errorf("release top has %d revision records, want 1", len(secrets.Items))
	}
	mustBerth(t, dir, "", append(conn, "stack", "destroy")...)
}

// TestStackPruneAndKeep removes releases from the file: plan lists them,
// apply keeps them without --prune, --prune uninstalls the one not kept.
func TestStackPruneAndKeep(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	dir := t.TempDir()
	writeFiles(t, dir, stackCharts)
	head := "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: prune}\ndefaults: {namespace: " + ns + "}\nreleases:\n"
	writeFiles(t, dir, map[string]string{"berth.yaml": head +
		"  - {name: db, chart: ./charts/cm, keep: true}\n  - {name: api, chart: ./charts/cm}\n  - {name: web, chart: ./charts/cm}\n"})
	conn := []string{"--kubeconfig", kubeconfigPath(t)}
	mustBerth(t, dir, "", append(conn, "stack", "apply")...)
	writeFiles(t, dir, map[string]string{"berth.yaml": head + "  - {name: web, chart: ./charts/cm}\n"})
	plan := mustBerth(t, dir, "", append(conn, "stack", "plan")...)
	for _, want := range []string{"## release api (namespace " + ns + "): prune", "## release db (namespace " + ns + "): keep"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	mustBerth(t, dir, "", append(conn, "stack", "apply")...)
	for _, name := range []string{"api", "db"} {
		if _, err := client.CoreV1().ConfigMaps(ns).Get(t.Context(), name, metav1.GetOptions{}); err != nil {
			t.Errorf("apply without --prune: %s: %v", name, err)
		}
	}
	out := mustBerth(t, dir, "", append(conn, "stack", "apply", "--prune")...)
	if _, err := client.CoreV1().ConfigMaps(ns).Get(t.Context(), "api", metav1.GetOptions{}); err == nil {
		t.Errorf("api is left after --prune:\n%s", out)
	}
	if _, err := client.CoreV1().ConfigMaps(ns).Get(t.Context(), "db", metav1.GetOptions{}); err != nil {
		t.Errorf("db (keep: true) after --prune: %v", err)
	}
	mustBerth(t, dir, "", append(conn, "stack", "destroy", "--force")...)
}

// TestStackLockRefusesRepush locks a chart pushed to the local registry,
// pushes different content under the same version and expects plan and
// apply to refuse it, naming both digests; stack lock accepts it again.
func TestStackLockRefusesRepush(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	s := newRegistrySession(t)
	first := s.push(t, s.pack(t, "1.0.0"))
	writeFiles(t, s.dir, map[string]string{"berth.yaml": "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: locked}\n" +
		"defaults: {namespace: " + ns + ", wait: false}\nreleases:\n  - {name: web, chart: " + s.repo + "/web, version: 1.x}\n"})
	conn := []string{"--kubeconfig", kubeconfigPath(t)}
	s.berth(t, "stack", "lock")
	lock, err := os.ReadFile(filepath.Join(s.dir, "berth.lock"))
	if err != nil || !strings.Contains(string(lock), first.Digest) {
		t.Fatalf("berth.lock lacks the pushed digest %s: %v\n%s", first.Digest, err, lock)
	}
	s.berth(t, append(conn, "stack", "plan")...)

	// Re-push 1.0.0 with other content.
	writeFiles(t, s.dir, map[string]string{"web/templates/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n"})
	second := s.push(t, s.pack(t, "1.0.0"))
	if second.Digest == first.Digest {
		t.Fatalf("the re-push has the same digest %s", second.Digest)
	}
	for _, cmd := range []string{"plan", "apply"} {
		run := runBerth(t, s.dir, "", append(append(conn, "stack", cmd), s.flags()...)...)
		if run.ExitCode != 1 || !strings.Contains(run.Stderr, "berth.lock pins "+first.Digest) || !strings.Contains(run.Stderr, second.Digest) {
			t.Errorf("stack %s: exit %d, want 1 and both digests named\n%s", cmd, run.ExitCode, run.Stderr)
		}
	}
	if _, err := client.CoreV1().ConfigMaps(ns).Get(t.Context(), "extra", metav1.GetOptions{}); err == nil {
		t.Error("the re-pushed chart was applied")
	}
	s.berth(t, "stack", "lock")
	s.berth(t, append(conn, "stack", "apply")...)
	s.berth(t, append(conn, "stack", "destroy")...)
}

// TestStackFailureResumeAndStalePlan: one failing release (a Deployment
// that never becomes available in time) skips what needs it while an
// independent branch finishes under --keep-going, exit 3 with each outcome
// in the JSON report; after the fix a second apply does only what is
// left. Then a plan made before the cluster moved is refused.
func TestStackFailureResumeAndStalePlan(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	dir := t.TempDir()
	writeFiles(t, dir, stackCharts)
	stackFile := func(slowTimeout string) map[string]string {
		return map[string]string{"berth.yaml": "apiVersion: berth.sh/v1alpha1\nkind: Stack\nmetadata: {name: resume}\n" +
			"defaults: {namespace: " + ns + "}\nreleases:\n" +
			"  - {name: db, chart: ./charts/slow, timeout: " + slowTimeout + "}\n" +
			"  - {name: api, chart: ./charts/cm, needs: [{release: db}]}\n" +
			"  - {name: other, chart: ./charts/cm}\n  - {name: after-other, chart: ./charts/cm, needs: [{release: other}]}\n"}
	}
	// db needs 6s to be available: a 2s timeout fails it.
	writeFiles(t, dir, stackFile("2s"))
	conn := []string{"--kubeconfig", kubeconfigPath(t)}
	run := runBerth(t, dir, "", append(conn, "stack", "apply", "--keep-going", "-o", "json")...)
	if run.ExitCode != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}
	var doc struct {
		Environments []struct {
			Releases []struct {
				Name, Outcome string
				BlockedBy     []string `json:"blockedBy"`
			} `json:"releases"`
		} `json:"environments"`
	}
	if err := json.Unmarshal([]byte(run.Stdout), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range doc.Environments[0].Releases {
		got[r.Name] = r.Outcome + fmt.Sprint(r.BlockedBy)
	}
	want := map[string]string{"db": "failed[]", "api": "skipped[db]", "other": "succeeded[]", "after-other": "succeeded[]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	writeFiles(t, dir, stackFile("2m"))
	run = runBerth(t, dir, "", append(conn, "stack", "apply", "-o", "json")...)
	if run.ExitCode != 0 || strings.Count(run.Stdout, `"outcome": "succeeded"`) != 2 || strings.Count(run.Stdout, `"outcome": "unchanged"`) != 2 {
		t.Errorf("second apply: exit %d, want db and api succeeded, the others unchanged\n%s\n%s", run.ExitCode, run.Stdout, run.Stderr)
	}

	// A reviewed plan, then the cluster moves.
	mustBerth(t, dir, "", append(conn, "stack", "plan", "--set", "other.color=blue", "--out", "plan.json")...)
	cm, err := client.CoreV1().ConfigMaps(ns).Get(t.Context(), "other", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["by-hand"] = "yes"
	if _, err := client.CoreV1().ConfigMaps(ns).Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	run = runBerth(t, dir, "", append(conn, "stack", "apply", "--plan", "plan.json", "--set", "other.color=blue")...)
	if run.ExitCode != 1 || !strings.Contains(run.Stderr, "ConfigMap/"+ns+"/other: planned at resourceVersion") {
		t.Errorf("apply of a stale plan: exit %d, want 1 naming ConfigMap other\n%s", run.ExitCode, run.Stderr)
	}
	mustBerth(t, dir, "", append(conn, "stack", "destroy")...)
}
