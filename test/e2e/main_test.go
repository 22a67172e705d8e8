//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// envKubeconfig overrides the kubeconfig the tests use.
const envKubeconfig = "BERTH_E2E_KUBECONFIG"

const startHint = "start the local cluster with `make cluster-up` (hack/cluster.sh up)"

// cluster is the admin client configuration of the cluster under test.
var cluster *rest.Config

func TestMain(m *testing.M) {
	cfg, err := connect()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n%s\n", err, startHint)
		os.Exit(1)
	}
	cluster = cfg
	os.Exit(m.Run())
}

// connect loads the kubeconfig and checks the API server answers.
func connect() (*rest.Config, error) {
	path := os.Getenv(envKubeconfig)
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		root, err := repo.Root(wd)
		if err != nil {
			return nil, err
		}
		path = filepath.Join(root, ".cluster", "kubeconfig")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	cfg.Timeout = 10 * time.Second
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if _, err := client.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("cluster of kubeconfig %s unreachable: %w", path, err)
	}
	cfg.Timeout = 0
	return cfg, nil
}

// newClient returns a client for the cluster under test.
func newClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	client, err := kubernetes.NewForConfig(rest.CopyConfig(cluster))
	if err != nil {
		t.Fatalf("create client: %v", err)
	}
	return client
}

// namespace creates a namespace for the test and deletes it afterwards.
func namespace(t *testing.T, client kubernetes.Interface) string {
	t.Helper()
	prefix := "e2e-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(prefix) > 50 {
		prefix = prefix[:50]
	}
	ns, err := client.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: strings.TrimRight(prefix, "-") + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is cancelled before cleanups run.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		if err := client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// eventually polls cond every 200ms until it reports done, failing the test
// with the last observation after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func(context.Context) (done bool, observed string, err error)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		done, observed, err := cond(ctx)
		last = observed
		return done, err
	})
	if err != nil {
		t.Fatalf("%s: %v after %s; last seen: %s", what, err, timeout, last)
	}
}
