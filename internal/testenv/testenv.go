package testenv

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// current is the control plane Run started for this test binary; nil when Run
// was not called.
var current *controlPlane

// Run starts the control plane, runs the tests with m.Run and stops the
// control plane; it returns the exit code for os.Exit. Call it first thing in
// TestMain. When etcd or kube-apiserver is missing it prints which, where it
// looked and how to build them, and returns 1 without running any test.
func Run(m *testing.M) int {
	if os.Getenv(envWatchdog) != "" {
		return runWatchdog(os.Stdin)
	}
	flag.Parse() // for testing.Verbose; m.Run does not parse twice
	if fuzzing() {
		return m.Run() // fuzz targets need no cluster; one per fuzz worker would swamp the machine
	}
	began := time.Now()
	cp, err := start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "testenv: etcd and kube-apiserver ready in %s\n", time.Since(began).Round(10*time.Millisecond))
	}
	current = cp
	code := m.Run()
	current = nil
	began = time.Now()
	if err := cp.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "testenv: control plane stopped in %s\n", time.Since(began).Round(10*time.Millisecond))
	}
	return code
}

// Config returns a new copy of the admin (system:masters) client
// configuration of the package's API server; callers may change it freely.
func Config(tb testing.TB) *rest.Config {
	tb.Helper()
	return rest.CopyConfig(mustCurrent(tb).config)
}

// Kubeconfig writes a kubeconfig file for the package's API server (admin
// user, client certificate, server CA) into tb.TempDir and returns its path,
// for tests that run berth or other CLIs as subprocesses.
func Kubeconfig(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, mustCurrent(tb).kubeconfig, 0o600); err != nil {
		tb.Fatalf("testenv: write kubeconfig: %v", err)
	}
	return path
}

// Namespace creates a namespace whose name starts with the test's name and
// ends with a random suffix, and deletes it when the test finishes. Without a
// namespace controller the deleted namespace stays Terminating; its name is
// never reused.
func Namespace(tb testing.TB) string {
	tb.Helper()
	client, err := kubernetes.NewForConfig(Config(tb))
	if err != nil {
		tb.Fatalf("testenv: create client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: namespacePrefix(tb.Name())},
	}, metav1.CreateOptions{})
	if err != nil {
		tb.Fatalf("testenv: create namespace for %s: %v", tb.Name(), err)
	}
	tb.Cleanup(func() {
		// The test's context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			tb.Errorf("testenv: delete namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

var notDNSLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// namespacePrefix turns a test name into a GenerateName prefix: a DNS label
// fragment short enough for the server's 5-character suffix, ending in "-".
func namespacePrefix(testName string) string {
	p := notDNSLabel.ReplaceAllString(strings.ToLower(testName), "-")
	if len(p) > 40 {
		p = p[:40]
	}
	p = strings.Trim(p, "-")
	if p == "" || p[0] < 'a' || p[0] > 'z' {
		p = "t" + p
	}
	return p + "-"
}

func mustCurrent(tb testing.TB) *controlPlane {
	tb.Helper()
	if current == nil {
		tb.Fatal("testenv: no control plane: call os.Exit(testenv.Run(m)) from TestMain")
	}
	return current
}

// fuzzing reports whether the test binary runs a fuzz target (go test
// -fuzz), as its coordinator or as a worker.
func fuzzing() bool {
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return true
	}
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}
