//go:build endurance

package endurance

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/pkg/release"
)

// namespace creates a namespace for the test and deletes it afterwards.
func namespace(t *testing.T, c kubernetes.Interface) string {
	t.Helper()
	prefix := "end-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(prefix) > 50 {
		prefix = prefix[:50]
	}
	ns, err := c.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: strings.TrimRight(prefix, "-") + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		err := c.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// chartOptions shape the test chart.
type chartOptions struct {
	configMaps int
	// gated adds a Deployment whose pod runs only on a node labelled
	// gateLabel=<gate value>: --wait waits until the test labels one.
	gated bool
}

// gateLabel is the node label a gated Deployment's pods need.
const gateLabel = "endurance.berth.sh/gate"

// writeChart writes the test chart: configMaps ConfigMaps whose data is
// the value generation (so that each upgrade changes every one of them)
// and, when gated, a Deployment whose pods need the node label gateLabel
// with the value gate.
func writeChart(t *testing.T, o chartOptions) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "endure")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: endure\nversion: 0.1.0\n",
		"values.yaml": fmt.Sprintf("configMaps: %d\ngeneration: 1\ngate: \"\"\n", o.configMaps),
		"templates/configmaps.yaml": `{{- range $i := until (int .Values.configMaps) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "%s-%04d" $.Release.Name $i }}
data:
  generation: {{ $.Values.generation | quote }}
{{- end }}
`,
	}
	if o.gated {
		files["templates/deployment.yaml"] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-gated
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ .Release.Name }}-gated}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}-gated}
      annotations: {generation: {{ .Values.generation | quote }}}
    spec:
      nodeSelector:
        ` + gateLabel + `: {{ .Values.gate | quote }}
      tolerations: [{operator: Exists}]
      containers: [{name: app, image: registry.example/app:1.0.0}]
`
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// revision is one line of berth history -o json.
type revision struct {
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

// history returns the revisions of release name, oldest first.
func history(t *testing.T, ns, name string) []revision {
	t.Helper()
	r := mustBerth(t, "history", name, "-n", ns, "--max", "0", "-o", "json")
	var revs []revision
	if err := json.Unmarshal([]byte(r.stdout), &revs); err != nil {
		t.Fatalf("berth history -o json: %v\n%s", err, r.stdout)
	}
	return revs
}

// statuses returns "1:superseded 2:deployed" for revs.
func statuses(revs []revision) string {
	parts := make([]string, len(revs))
	for i, r := range revs {
		parts[i] = fmt.Sprintf("%d:%s", r.Revision, r.Status)
	}
	return strings.Join(parts, " ")
}

// checkHistory fails unless the revisions are 1..n with no gap or
// duplicate, none pending and exactly one deployed, the last one
// (lastDeployed) or, when lastDeployed is false, any.
func checkHistory(t *testing.T, revs []revision, lastDeployed bool) {
	t.Helper()
	deployed := 0
	for i, r := range revs {
		if r.Revision != i+1 {
			t.Errorf("revision %d at position %d: revisions lost or duplicated (%s)", r.Revision, i+1, statuses(revs))
		}
		if strings.HasPrefix(r.Status, "pending") {
			t.Errorf("revision %d is %s after every command ended (%s)", r.Revision, r.Status, statuses(revs))
		}
		if r.Status == "deployed" {
			deployed++
		}
	}
	if deployed != 1 {
		t.Errorf("%d revisions deployed, want 1 (%s)", deployed, statuses(revs))
	}
	if lastDeployed && len(revs) > 0 && revs[len(revs)-1].Status != "deployed" {
		t.Errorf("last revision is %s, want deployed (%s)", revs[len(revs)-1].Status, statuses(revs))
	}
}

// checkUnlocked fails if release name's lock Lease is still there.
func checkUnlocked(t *testing.T, c kubernetes.Interface, ns, name string) {
	t.Helper()
	lease, err := c.CoordinationV1().Leases(ns).Get(t.Context(), release.LockName(name), metav1.GetOptions{})
	if err == nil {
		holder := ""
		if lease.Spec.HolderIdentity != nil {
			holder = *lease.Spec.HolderIdentity
		}
		t.Errorf("Lease/%s/%s still there (holder %q): the lock was not released", ns, lease.Name, holder)
	} else if !apierrors.IsNotFound(err) {
		t.Errorf("read the lock of %s: %v", name, err)
	}
}

// events reads berth's -o json progress lines from r, calling each with
// every event, and closes done at the end of r.
func events(r io.Reader, each func(ev map[string]any)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				each(ev)
			}
		}
	}()
	return done
}

// killAPIServer kills kube-apiserver with SIGKILL.
func killAPIServer(t *testing.T) time.Time {
	t.Helper()
	if out, err := clusterCmd(t.Context(), "kill-apiserver"); err != nil {
		t.Fatalf("kill kube-apiserver: %v\n%s", err, out)
	}
	return time.Now()
}

// startAPIServer starts kube-apiserver again and returns when it is ready.
func startAPIServer(t *testing.T) time.Time {
	t.Helper()
	// Not the test's context: a test that failed must still leave the
	// cluster whole for the next one.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 3*time.Minute)
	defer cancel()
	if out, err := clusterCmd(ctx, "start-apiserver"); err != nil {
		t.Fatalf("start kube-apiserver: %v\n%s", err, out)
	}
	return time.Now()
}

// etcdState is the part of hack/cluster's state.json the tests read.
type etcdState struct {
	EtcdPort int `json:"etcdPort"`
}

// compactEtcd compacts etcd's history up to its current revision, through
// etcd's JSON gateway, and returns that revision.
func compactEtcd(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(env.dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s etcdState
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d/v3/kv/", s.EtcdPort)
	var head struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
	}
	key := base64.StdEncoding.EncodeToString([]byte("/registry/namespaces/default"))
	etcdPost(t, base+"range", fmt.Sprintf(`{"key":%q}`, key), &head)
	var rev int64
	if _, err := fmt.Sscan(head.Header.Revision, &rev); err != nil {
		t.Fatalf("etcd revision %q: %v", head.Header.Revision, err)
	}
	etcdPost(t, base+"compaction", fmt.Sprintf(`{"revision":%d,"physical":true}`, rev), nil)
	return rev
}

func etcdPost(t *testing.T, url, body string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("etcd %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("etcd %s: %s: %s", url, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("etcd %s: %v: %s", url, err, data)
		}
	}
}

// openGate labels a node so that the gated Deployment's pods with gate
// value v can run there.
func openGate(t *testing.T, c kubernetes.Interface, v string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, gateLabel, v)
	if _, err := c.CoreV1().Nodes().Patch(t.Context(), "kwok-node-0", "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("label node kwok-node-0: %v", err)
	}
}

// eventually polls cond every 200ms until it holds, failing after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, timeout, true, cond); err != nil {
		t.Fatalf("%s: %v after %s", what, err, timeout)
	}
}
