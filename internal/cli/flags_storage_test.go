package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/release"
)

// recordKinds reports which kinds hold the record of revision 1 of release
// name in ns: "Secret", "ConfigMap", both or neither.
func recordKinds(t *testing.T, ns, name string) []string {
	t.Helper()
	client, err := kubernetes.NewForConfig(testenv.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	record := release.RecordName(name, 1)
	var kinds []string
	_, err = client.CoreV1().Secrets(ns).Get(t.Context(), record, metav1.GetOptions{})
	if err == nil {
		kinds = append(kinds, "Secret")
	} else if !apierrors.IsNotFound(err) {
		t.Fatalf("get Secret/%s/%s: %v", ns, record, err)
	}
	_, err = client.CoreV1().ConfigMaps(ns).Get(t.Context(), record, metav1.GetOptions{})
	if err == nil {
		kinds = append(kinds, "ConfigMap")
	} else if !apierrors.IsNotFound(err) {
		t.Fatalf("get ConfigMap/%s/%s: %v", ns, record, err)
	}
	return kinds
}

// listNames runs list -o json with extra flags and returns the names.
func listNames(t *testing.T, conn []string, extra ...string) []string {
	t.Helper()
	names := []string{}
	for _, r := range decodeRows(t, runOK(t, append(append([]string{"list", "-o", "json"}, conn...), extra...)...)) {
		names = append(names, r.Name)
	}
	return names
}

// TestStorageDrivers: --storage and $BERTH_STORAGE choose where records are
// written and read, --storage wins over the environment, and the memory
// driver keeps nothing in the cluster.
func TestStorageDrivers(t *testing.T) {
	tests := []struct {
		name      string
		env       string
		helmEnv   string
		flags     []string
		wantKinds []string
	}{
		{"default is Secrets", "", "", nil, []string{"Secret"}},
		{"flag configmap", "", "", []string{"--storage", "configmap"}, []string{"ConfigMap"}},
		{"Helm's plural spelling", "", "", []string{"--storage=secrets"}, []string{"Secret"}},
		{"environment configmap", "configmap", "", nil, []string{"ConfigMap"}},
		{"flag wins over environment", "configmap", "", []string{"--storage", "secret"}, []string{"Secret"}},
		{"memory keeps nothing", "", "", []string{"--storage", "memory"}, nil},
		{"HELM_DRIVER", "", "configmaps", nil, []string{"ConfigMap"}},
		{"BERTH_STORAGE wins over HELM_DRIVER", "secret", "configmap", nil, []string{"Secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(storageEnv, tt.env)
			t.Setenv(helmStorageEnv, tt.helmEnv)
			conn := append(clusterArgs(t), tt.flags...)
			ns := conn[3]
			runOK(t, append([]string{"install", "web", releaseChart(t)}, conn...)...)
			if diff := cmp.Diff(tt.wantKinds, recordKinds(t, ns, "web")); diff != "" {
				t.Errorf("record kinds (-want +got):\n%s", diff)
			}
			wantListed := []string{"web"}
			if tt.wantKinds == nil {
				wantListed = []string{} // a new process has a new, empty memory store
			}
			if diff := cmp.Diff(wantListed, listNames(t, conn)); diff != "" {
				t.Errorf("list with the same driver (-want +got):\n%s", diff)
			}
			if tt.wantKinds != nil {
				runOK(t, append([]string{"upgrade", "web", releaseChart(t), "--set", "color=green"}, conn...)...)
				runOK(t, append([]string{"rollback", "web"}, conn...)...)
				rows := decodeRows(t, runOK(t, append([]string{"history", "web", "-o", "json"}, conn...)...))
				if len(rows) != 3 || rows[2].Status != "deployed" {
					t.Errorf("history with the same driver: %+v; want 3 revisions, the last deployed", rows)
				}
				runOK(t, append([]string{"uninstall", "web"}, conn...)...)
			}
		})
	}
}

// TestStorageDriversAreSeparate: a release recorded in ConfigMaps is not
// seen through Secrets, and the reverse.
func TestStorageDriversAreSeparate(t *testing.T) {
	t.Setenv(storageEnv, "")
	conn := clusterArgs(t)
	runOK(t, append([]string{"install", "in-cm", releaseChart(t), "--storage", "configmap"}, conn...)...)
	runOK(t, append([]string{"install", "in-secret", releaseChart(t)}, conn...)...)
	if diff := cmp.Diff([]string{"in-cm"}, listNames(t, conn, "--storage", "configmap")); diff != "" {
		t.Errorf("list --storage configmap (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"in-secret"}, listNames(t, conn)); diff != "" {
		t.Errorf("list (Secrets) (-want +got):\n%s", diff)
	}
	code, _, stderr := run(t, append([]string{"status", "in-cm"}, conn...)...)
	if code != ExitError || !strings.Contains(stderr, "not found") {
		t.Errorf("status in-cm through Secrets: exit %d, stderr %q; want 1 and not found", code, stderr)
	}
}

func TestStorageHelmDriverSQL(t *testing.T) {
	t.Setenv(storageEnv, "")
	t.Setenv(helmStorageEnv, "sql")
	code, _, stderr := run(t, "list", "--kubeconfig", testenv.Kubeconfig(t))
	if code != ExitUsage || !strings.Contains(stderr, `$HELM_DRIVER: unknown release storage driver "sql"`) {
		t.Errorf("HELM_DRIVER=sql: exit %d, stderr %q", code, stderr)
	}
}

func TestStorageUnknownDriver(t *testing.T) {
	tests := []struct {
		name, env string
		flags     []string
		want      string
	}{
		{"flag", "", []string{"--storage", "sql"}, `invalid --storage: unknown release storage driver "sql": use one of secret, configmap, memory`},
		{"environment", "etcd", nil, `$BERTH_STORAGE: unknown release storage driver "etcd"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(storageEnv, tt.env)
			t.Setenv(helmStorageEnv, "")
			for _, cmd := range [][]string{{"list"}, {"history", "web"}, {"status", "web"}, {"uninstall", "web"}, {"get", "values", "web"}} {
				code, _, stderr := run(t, append(append(cmd, "--kubeconfig", testenv.Kubeconfig(t)), tt.flags...)...)
				if code != ExitUsage || !strings.Contains(stderr, tt.want) {
					t.Errorf("%s: exit %d, stderr %q; want %d and %q", cmd, code, stderr, ExitUsage, tt.want)
				}
			}
		})
	}
}
