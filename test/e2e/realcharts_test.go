//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// realChart is a public chart of ../shared/corpus or corpus2 with the
// values a local cluster needs, and what its test checks besides the life
// cycle.
type realChart struct {
	name string
	// dir is relative to ../shared.
	dir  string
	args []string
	// upgrade are the upgrade's extra flags: a change to apply.
	upgrade []string
	// check runs after the upgrade.
	check func(t *testing.T, client kubernetes.Interface, ns string, before map[string]string)
}

// realCharts cover what the issue names: bitnami's common library, a
// StatefulSet with persistence and a generated password kept across
// upgrades by lookup, CRDs and webhooks, hooks, and custom resources whose
// operator never writes a status.
var realCharts = []realChart{
	{name: "redis", dir: "corpus/charts/redis", upgrade: bitnamiChange, check: passwordKept("redis-password")},
	{name: "wordpress", dir: "corpus/charts/wordpress", upgrade: bitnamiChange, check: passwordKept("wordpress-password")},
	{name: "cert-manager", dir: "corpus/charts/cert-manager", args: []string{"--set", "crds.enabled=true"}},
	{name: "kube-prometheus-stack", dir: "corpus/charts/kube-prometheus-stack"},
	{name: "kafka", dir: "corpus2/charts/kafka", upgrade: bitnamiChange},
}

// bitnamiChange is an upgrade of a bitnami chart that changes every object.
var bitnamiChange = []string{"--set", "commonLabels.upgraded=yes"}

// TestRealChartsLifeCycle installs, upgrades, rolls back and uninstalls
// real charts with --wait on the local cluster, then does the same with
// Helm and checks that berth leaves behind exactly what Helm does.
func TestRealChartsLifeCycle(t *testing.T) {
	shared := sharedDir(t)
	helm := helmBinary(t)
	for _, rc := range realCharts {
		t.Run(rc.name, func(t *testing.T) {
			chartDir := filepath.Join(shared, rc.dir)
			client := newClient(t)
			clusterBefore := clusterObjects(t)
			systemBefore := namespacedObjects(t, "kube-system")

			ns := namespace(t, client)
			berth := func(args ...string) string {
				t.Helper()
				args = append(args, "-n", ns)
				if args[0] != "history" {
					args = append(args, "--timeout", "5m")
				}
				return mustBerthSlow(t, args...)
			}
			t.Cleanup(func() { uninstallQuietly(t, ns) })
			berth(append([]string{"install", "r", chartDir}, rc.args...)...)
			before := secretData(t, client, ns)
			berth(append(append([]string{"upgrade", "r", chartDir}, rc.args...), rc.upgrade...)...)
			if rc.check != nil {
				rc.check(t, client, ns, before)
			}
			berth("rollback", "r", "1")
			history := berth("history", "r", "-o", "json")
			for _, want := range []string{`"status": "superseded"`, `"revision": 3`} {
				if !strings.Contains(history, want) {
					t.Errorf("history lacks %s:\n%s", want, history)
				}
			}
			berth("uninstall", "r", "--wait")
			berthLeft := settled(t, ns)
			berthCluster := newSince(clusterBefore, clusterObjects(t))
			berthSystem := added(systemBefore, settled(t, "kube-system"))
			// What berth left (CRDs, objects kept by helm.sh/resource-policy)
			// goes, so that Helm meets the cluster berth met.
			deleteClusterObjects(t, berthCluster)

			helmNS := namespace(t, client)
			t.Cleanup(func() { helmUninstallQuietly(t, helm, helmNS) })
			helmRun(t, helm, append([]string{"install", "r", chartDir, "-n", helmNS, "--wait", "--timeout", "5m"}, rc.args...)...)
			helmRun(t, helm, "uninstall", "r", "-n", helmNS, "--wait", "--timeout", "5m")
			helmLeft := settled(t, helmNS)
			helmCluster := newSince(clusterBefore, clusterObjects(t))
			helmSystem := added(systemBefore, settled(t, "kube-system"))

			if diff := cmp.Diff(helmLeft, berthLeft); diff != "" {
				t.Errorf("objects left in the namespace after uninstall (-helm +berth):\n%s", diff)
			}
			if diff := cmp.Diff(helmCluster, berthCluster); diff != "" {
				t.Errorf("cluster-scoped objects left after uninstall (-helm +berth):\n%s", diff)
			}
			if diff := cmp.Diff(helmSystem, berthSystem); diff != "" {
				t.Errorf("objects left in kube-system after uninstall (-helm +berth):\n%s", diff)
			}
			deleteClusterObjects(t, helmCluster)
		})
	}
}

// uninstallQuietly uninstalls release r of ns after a test that may have
// stopped half way, so that its cluster-scoped objects do not stay behind
// for the next run; a release that is gone already is fine.
func uninstallQuietly(t *testing.T, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBinary(t), "uninstall", "r", "-n", ns, "--ignore-not-found")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath(t))
	_ = cmd.Run()
}

// helmUninstallQuietly is uninstallQuietly for Helm's release.
func helmUninstallQuietly(t *testing.T, helm, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, helm, "uninstall", "r", "-n", ns, "--ignore-not-found")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath(t))
	_ = cmd.Run()
}

// passwordKept checks that an upgrade without passwords kept the
// generated one: the chart found the live Secret with lookup.
func passwordKept(key string) func(*testing.T, kubernetes.Interface, string, map[string]string) {
	return func(t *testing.T, client kubernetes.Interface, ns string, before map[string]string) {
		t.Helper()
		after := secretData(t, client, ns)
		found := false
		for name, v := range before {
			if strings.HasSuffix(name, "/"+key) {
				found = true
				if after[name] != v {
					t.Errorf("the upgrade changed %s: lookup did not find the live Secret", name)
				}
			}
		}
		if !found {
			t.Errorf("no Secret holds %s: %v", key, before)
		}
	}
}

// secretData returns every key of every Secret in ns, as "secret/key".
func secretData(t *testing.T, client kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	list, err := client.CoreV1().Secrets(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range list.Items {
		for k, v := range s.Data {
			out[s.Name+"/"+k] = string(v)
		}
	}
	return out
}

// sharedDir is ../shared beside the repository, where the corpora live.
func sharedDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := repo.Root(wd)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(root), "shared")
	if _, err := os.Stat(filepath.Join(dir, "corpus", "charts")); err != nil {
		t.Fatalf("the chart corpora: %v (../shared beside the clone holds them)", err)
	}
	return dir
}

// helmBinary returns bin/helm, which hack/tools/build.sh helm builds.
func helmBinary(t *testing.T) string {
	t.Helper()
	dir, err := repo.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "helm")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("helm: %v\nrun `hack/tools/build.sh helm` (make e2e does)", err)
	}
	return path
}

// mustBerthSlow is mustBerth for operations that wait for real charts.
func mustBerthSlow(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBinary(t), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath(t))
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("berth %s: %v\n%s", strings.Join(args, " "), err, lastLines(stderr, 40))
	}
	return string(out)
}

func helmRun(t *testing.T, helm string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, helm, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath(t), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, lastLines(string(out), 40))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// settled returns what is left in ns once garbage collection has caught
// up: every object of every listable kind as "Kind/name", without the
// dependents the garbage collector removes (objects with owners), events,
// Endpoints (the endpoints controller's) and what every namespace has.
func settled(t *testing.T, ns string) []string {
	t.Helper()
	var last []string
	eventually(t, 2*time.Minute, "namespace "+ns+" to settle", func(ctx context.Context) (bool, string, error) {
		now := namespacedObjects(t, ns)
		same := slices.Equal(now, last)
		last = now
		return same && !slices.ContainsFunc(now, func(s string) bool { return strings.HasSuffix(s, " (deleting)") }),
			strings.Join(now, ", "), nil
	})
	return last
}

// listable returns the namespaced or cluster-scoped resources that can be
// listed, at their preferred versions.
func listable(t *testing.T, namespaced bool) []schema.GroupVersionResource {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(rest.CopyConfig(cluster))
	if err != nil {
		t.Fatal(err)
	}
	lists, err := dc.ServerPreferredResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		t.Fatal(err)
	}
	var out []schema.GroupVersionResource
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if r.Namespaced != namespaced || strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			switch r.Name {
			case "events", "endpoints", "endpointslices", "componentstatuses", "ipaddresses":
				continue // written by controllers (IPAddresses: the Services' cluster IPs), not by the tools
			}
			out = append(out, gv.WithResource(r.Name))
		}
	}
	return out
}

func namespacedObjects(t *testing.T, ns string) []string {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(rest.CopyConfig(cluster))
	var out []string
	for _, gvr := range listable(t, true) {
		list, err := dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, o := range list.Items {
			if len(o.GetOwnerReferences()) > 0 || (o.GetKind() == "ConfigMap" && o.GetName() == "kube-root-ca.crt") ||
				(o.GetKind() == "ServiceAccount" && o.GetName() == "default") {
				continue
			}
			s := o.GetKind() + "/" + o.GetName()
			if o.GetDeletionTimestamp() != nil {
				s += " (deleting)"
			}
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// clusterObjects returns every cluster-scoped object, as "Kind/name" to
// its resource.
func clusterObjects(t *testing.T) map[string]schema.GroupVersionResource {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(rest.CopyConfig(cluster))
	out := map[string]schema.GroupVersionResource{}
	for _, gvr := range listable(t, false) {
		list, err := dyn.Resource(gvr).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, o := range list.Items {
			if gvr.Resource == "namespaces" || gvr.Resource == "persistentvolumes" {
				continue // the tests' own namespaces; volumes follow their claims
			}
			out[o.GetKind()+"/"+o.GetName()] = gvr
		}
	}
	return out
}

// added lists the objects of now that before lacks.
func added(before, now []string) []string {
	out := []string{}
	for _, o := range now {
		if !slices.Contains(before, o) {
			out = append(out, o)
		}
	}
	return out
}

// newSince lists the cluster-scoped objects of now that before lacks.
func newSince(before, now map[string]schema.GroupVersionResource) []string {
	var out []string
	for k := range now {
		if _, ok := before[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// deleteClusterObjects removes what both tools left (CRDs of crds/), so
// that the next chart and the next run start from the same cluster.
func deleteClusterObjects(t *testing.T, objs []string) {
	t.Helper()
	now := clusterObjects(t)
	dyn := dynamic.NewForConfigOrDie(rest.CopyConfig(cluster))
	for _, k := range objs {
		gvr, ok := now[k]
		if !ok {
			continue
		}
		_, name, _ := strings.Cut(k, "/")
		if err := dyn.Resource(gvr).Delete(context.WithoutCancel(t.Context()), name, metav1.DeleteOptions{}); err != nil {
			t.Logf("delete %s: %v", k, err)
		}
	}
}
