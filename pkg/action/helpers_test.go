package action_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

var configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// configMapTemplate renders one ConfigMap per entry of .Values.configmaps,
// annotated keep when the entry says so.
const configMapTemplate = `{{- range .Values.configmaps }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .name }}
  {{- if .keep }}
  annotations:
    helm.sh/resource-policy: keep
  {{- end }}
data:
  color: {{ $.Values.color | quote }}
{{- end }}
`

// writeChart writes a chart named name with files (path to content) plus
// Chart.yaml, and loads it.
func writeChart(t *testing.T, name string, files map[string]string) *chart.Chart {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	files["Chart.yaml"] = "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\nappVersion: \"1.0\"\n"
	for path, content := range files {
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := chart.Load(dir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return c
}

// configMapChart is a chart of ConfigMaps a (plain), b (plain) and k
// (keep) by default.
func configMapChart(t *testing.T) *chart.Chart {
	t.Helper()
	return writeChart(t, "cms", map[string]string{
		"values.yaml":         "color: red\nconfigmaps:\n- name: a\n- name: b\n- name: k\n  keep: true\n",
		"templates/cms.yaml":  configMapTemplate,
		"templates/NOTES.txt": "release {{ .Release.Name }} revision {{ .Release.Revision }}\n",
	})
}

// newConfig returns an action configuration for a fresh namespace, and a
// dynamic client to look at the cluster.
func newConfig(t *testing.T) (*action.Configuration, dynamic.Interface) {
	t.Helper()
	return configFor(t, testenv.Namespace(t))
}

func configFor(t *testing.T, ns string) (*action.Configuration, dynamic.Interface) {
	t.Helper()
	rc := testenv.Config(t)
	return configFromREST(t, rc, ns), dynamic.NewForConfigOrDie(rc)
}

// configFromREST returns an action configuration for namespace ns whose
// every client uses rc.
func configFromREST(t *testing.T, rc *rest.Config, ns string, lockOpts ...release.LockerOption) *action.Configuration {
	t.Helper()
	kc, err := kube.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := release.NewClients(rc)
	if err != nil {
		t.Fatal(err)
	}
	return &action.Configuration{
		Namespace: ns,
		Kube:      kc,
		Store:     release.NewSecrets(clients, ns),
		Locker:    release.NewLocker(clients.Kube, ns, lockOpts...),
	}
}

// liveNames returns the names of the ConfigMaps in ns, without the
// kube-root-ca.crt the API server may add.
func liveNames(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns string) []string {
	t.Helper()
	list, err := dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, item := range list.Items {
		if item.GetName() != "kube-root-ca.crt" {
			names = append(names, item.GetName())
		}
	}
	return names
}

func getObject(t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	t.Helper()
	var ri dynamic.ResourceInterface = dyn.Resource(gvr)
	if ns != "" {
		ri = dyn.Resource(gvr).Namespace(ns)
	}
	obj, err := ri.Get(t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// statuses returns "revision:status" of each revision of the release.
func statuses(t *testing.T, store release.Storage, name string) []string {
	t.Helper()
	history, err := store.History(t.Context(), name)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var out []string
	for _, s := range history {
		out = append(out, itoa(s.Revision)+":"+string(s.Status))
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
