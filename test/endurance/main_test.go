//go:build endurance

package endurance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// env is the cluster the tests run on and the programs they use.
var env struct {
	root       string // repository root
	dir        string // the cluster's state directory
	kubeconfig string // its admin kubeconfig
	berth      string // bin/berth
	cluster    string // bin/cluster (hack/cluster)
	config     *rest.Config
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "endurance:", err)
		code = 1
	}
	os.Exit(code)
}

// run starts the cluster, runs the tests and stops it.
func run(m *testing.M) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	if env.root, err = repo.Root(wd); err != nil {
		return 0, err
	}
	bin, err := repo.BinDir()
	if err != nil {
		return 0, err
	}
	env.berth = filepath.Join(bin, "berth")
	if path := os.Getenv("BERTH_ENDURANCE_BERTH"); path != "" {
		env.berth = path // another build, e.g. one without a protection
	} else if err := repo.Require(bin, "berth"); err != nil {
		return 0, fmt.Errorf("%w (run make build)", err)
	}
	if env.dir, err = os.MkdirTemp("", "berth-endurance-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(env.dir)
	env.dir = filepath.Join(env.dir, "cluster")
	env.cluster = filepath.Join(env.dir+"-bin", "cluster")
	build := exec.Command("go", "build", "-o", env.cluster, "./hack/cluster")
	build.Dir = env.root
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build hack/cluster: %w\n%s", err, out)
	}
	if out, err := clusterCmd(context.Background(), "up"); err != nil {
		return 0, fmt.Errorf("start the endurance cluster: %w\n%s", err, out)
	}
	defer func() {
		if out, err := clusterCmd(context.Background(), "down"); err != nil {
			fmt.Fprintf(os.Stderr, "endurance: stop the cluster: %v\n%s", err, out)
		}
	}()
	env.kubeconfig = filepath.Join(env.dir, "kubeconfig")
	if env.config, err = clientcmd.BuildConfigFromFlags("", env.kubeconfig); err != nil {
		return 0, err
	}
	env.config.QPS, env.config.Burst = 200, 400
	return m.Run(), nil
}

// clusterCmd runs hack/cluster's command on the endurance cluster.
func clusterCmd(ctx context.Context, command string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, env.cluster, command)
	cmd.Dir = env.root
	cmd.Env = append(os.Environ(), "BERTH_CLUSTER_DIR="+env.dir)
	return cmd.CombinedOutput()
}

// client returns an admin client of the endurance cluster.
func client(t *testing.T) kubernetes.Interface {
	t.Helper()
	c, err := kubernetes.NewForConfig(rest.CopyConfig(env.config))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// berthResult is what one run of berth did.
type berthResult struct {
	stdout, stderr string
	err            error
	took           time.Duration
}

// berthCmd returns a command running bin/berth on the endurance cluster.
func berthCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, env.berth, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+env.kubeconfig)
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// berth runs bin/berth to the end.
func berth(ctx context.Context, args ...string) berthResult {
	cmd := berthCmd(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	return berthResult{stdout: stdout.String(), stderr: stderr.String(), err: err, took: time.Since(start)}
}

// mustBerth runs bin/berth and fails the test if it fails.
func mustBerth(t *testing.T, args ...string) berthResult {
	t.Helper()
	r := berth(t.Context(), args...)
	if r.err != nil {
		t.Fatalf("berth %v: %v\nstderr:\n%s", args, r.err, tail(r.stderr, 30))
	}
	return r
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
