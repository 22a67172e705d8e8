package migrate_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/internal/testenv/helmbin"
	"github.com/berth-sh/berth/pkg/helmrecord"
)

// snapshot is every Secret and ConfigMap of a namespace (both tools'
// records) with its resourceVersion, and the managed fields and
// annotations of the release's objects: what a failed migration must leave
// as it was.
func snapshot(t *testing.T, ns string, objects bool) []string {
	t.Helper()
	c, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out []string
	secrets, err := c.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets.Items {
		out = append(out, fmt.Sprintf("Secret/%s %s %v", s.Name, s.ResourceVersion, s.Labels))
	}
	cms, err := c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		out = append(out, fmt.Sprintf("ConfigMap/%s %s", cm.Name, cm.ResourceVersion))
	}
	if objects {
		for _, gvr := range []struct{ g, n string }{{"d", "web"}, {"s", "web"}} {
			res := deployments
			if gvr.g == "s" {
				res = services
			}
			obj := get(t, res, ns, gvr.n)
			fields, _ := json.Marshal(obj.GetManagedFields())
			out = append(out, fmt.Sprintf("%s/%s %s %v %s", obj.GetKind(), gvr.n, obj.GetResourceVersion(), obj.GetAnnotations(), fields))
		}
	}
	sort.Strings(out)
	return out
}

// corrupt replaces the payload of one of Helm's records.
func corrupt(t *testing.T, ns, name, data string) {
	t.Helper()
	c, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["release"] = []byte(data)
	if _, err := c.CoreV1().Secrets(ns).Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// setStatus rewrites the status of one of Helm's records, as an
// interrupted helm upgrade leaves it.
func setStatus(t *testing.T, ns, name, status string) {
	t.Helper()
	c, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := helmrecord.Decode(s.Data["release"])
	if err != nil {
		t.Fatal(err)
	}
	rel.Info.Status = status
	data, err := helmrecord.Encode(rel)
	if err != nil {
		t.Fatal(err)
	}
	s.Data["release"], s.Labels["status"] = []byte(data), status
	if _, err := c.CoreV1().Secrets(ns).Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestImportFailsLeavingRecords imports releases whose records are corrupt
// or pending: the import fails with a message naming the record and what
// to do, and neither tool's records nor the objects change.
func TestImportFailsLeavingRecords(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	chart := webChart(t)
	for _, tc := range []struct {
		name   string
		breaks func(t *testing.T, ns string)
		want   []string
	}{
		{
			"corrupt", func(t *testing.T, ns string) {
				t.Helper()
				corrupt(t, ns, "sh.helm.release.v1.web.v1", "H4sIAAAAAAAC/6pWyk")
			},
			[]string{"Secret/%s/sh.helm.release.v1.web.v1", "corrupt"},
		},
		{"truncated", func(t *testing.T, ns string) {
			t.Helper()
			c, _ := kubernetes.NewForConfig(testenv.Config(t))
			s, _ := c.CoreV1().Secrets(ns).Get(context.Background(), "sh.helm.release.v1.web.v2", metav1.GetOptions{})
			corrupt(t, ns, "sh.helm.release.v1.web.v2", string(s.Data["release"][:len(s.Data["release"])/2]))
		}, []string{"Secret/%s/sh.helm.release.v1.web.v2", "corrupt"}},
		{
			"pending", func(t *testing.T, ns string) {
				t.Helper()
				setStatus(t, ns, "sh.helm.release.v1.web.v2", "pending-upgrade")
			},
			[]string{"Secret/%s/sh.helm.release.v1.web.v2", "pending-upgrade", "--recover-pending"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			h := helmbin.V4(t, kubeconfig)
			h.Run(t, "install", "web", chart, "-n", ns)
			h.Run(t, "upgrade", "web", chart, "-n", ns, "--set", "greeting=two")
			tc.breaks(t, ns)
			before := snapshot(t, ns, true)
			for _, args := range [][]string{{"--dry-run"}, nil} {
				_, errOut, code := berth(t, kubeconfig, append([]string{"import", "helm", "web", "-n", ns}, args...)...)
				if code != 1 {
					t.Errorf("import %v: exit %d, want 1\n%s", args, code, errOut)
				}
				for _, w := range tc.want {
					if w = strings.ReplaceAll(w, "%s", ns); !strings.Contains(errOut, w) {
						t.Errorf("import %v: error does not say %q:\n%s", args, w, errOut)
					}
				}
			}
			if d := cmp.Diff(before, snapshot(t, ns, true)); d != "" {
				t.Errorf("a failed import changed records or objects (-before +after):\n%s", d)
			}
			if tc.name != "pending" {
				return
			}
			mustBerth(t, kubeconfig, "import", "helm", "web", "-n", ns, "--recover-pending")
			var rows []historyRow
			if err := json.Unmarshal([]byte(mustBerth(t, kubeconfig, "history", "web", "-n", ns, "-o", "json")), &rows); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]historyRow{{1, "superseded"}, {2, "failed"}}, rows); d != "" {
				t.Errorf("history after --recover-pending (-want +got):\n%s", d)
			}
		})
	}
}

// TestExportRefusesTooLargeRevision exports a release one of whose
// revisions does not fit in a Helm record: export fails with its size and
// writes nothing.
func TestExportRefusesTooLargeRevision(t *testing.T) {
	kubeconfig := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t)
	chart := helmbin.WriteChart(t, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: big\nversion: 1.0.0\n",
		"templates/blobs.yaml": `{{- range $i := until 2 }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: blob-{{ $i }}
data:
  blob: {{ $.Values.blob | quote }}
---
{{- end }}
`,
	})
	raw := make([]byte, 520<<10)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	values := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(values, []byte("blob: "+base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustBerth(t, kubeconfig, "install", "web", chart, "-n", ns, "--set", "blob=small", "--wait=false")
	mustBerth(t, kubeconfig, "upgrade", "web", chart, "-n", ns, "-f", values, "--wait=false")
	before := snapshot(t, ns, false)
	_, errOut, code := berth(t, kubeconfig, "export", "helm", "web", "-n", ns)
	if code != 1 || !strings.Contains(errOut, `revision 2 of release "web" is `) || !strings.Contains(errOut, "over Helm's limit of 1048576 bytes") ||
		!strings.Contains(errOut, "nothing was written") {
		t.Errorf("export: exit %d, want 1 naming revision 2 and its size:\n%s", code, errOut)
	}
	if d := cmp.Diff(before, snapshot(t, ns, false)); d != "" {
		t.Errorf("a refused export changed records (-before +after):\n%s", d)
	}
	if out := mustBerth(t, kubeconfig, "history", "web", "-n", ns); !strings.Contains(out, "deployed") {
		t.Errorf("berth's history after the refused export:\n%s", out)
	}
}
