package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/berth-sh/berth/internal/testenv/repo"
)

// ServiceClusterIPRange is the API server's Service CIDR: a /16, because a
// /24 runs out after about 250 Services and benchmarks create more.
const ServiceClusterIPRange = "10.0.0.0/16"

// startTimeout bounds the start of etcd and of the API server, each.
const startTimeout = 60 * time.Second

// controlPlane is a running envtest environment and what tests need from it.
type controlPlane struct {
	env        *envtest.Environment
	dir        string // data and certificates; removed by stop
	watchdog   *watchdog
	config     *rest.Config
	kubeconfig []byte
}

// start finds the binaries, starts the watchdog for a new directory, then
// etcd and the API server with their data and certificates in it.
func start() (*controlPlane, error) {
	// envtest logs through controller-runtime, which otherwise complains
	// after 30s that no logger was set; errors reach us as return values.
	ctrllog.SetLogger(logr.Discard())
	binDir, err := repo.BinDir()
	if err != nil {
		return nil, err
	}
	if err := repo.Require(binDir, "etcd", "kube-apiserver"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "berth-testenv-")
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, "apiserver"), 0o700)
	}
	if err != nil {
		return nil, fmt.Errorf("create control plane directory: %w", err)
	}
	wd, err := startWatchdog(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	cp := &controlPlane{env: newEnvironment(binDir, dir), dir: dir, watchdog: wd}
	if cp.config, err = cp.env.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start control plane from %s: %w", binDir, err), cp.stop())
	}
	cp.kubeconfig = cp.env.KubeConfig
	return cp, nil
}

// newEnvironment configures envtest to run binDir's etcd and kube-apiserver
// with their data and certificates under dir.
func newEnvironment(binDir, dir string) *envtest.Environment {
	useExisting := false
	env := &envtest.Environment{
		BinaryAssetsDirectory:    binDir,
		UseExistingCluster:       &useExisting,
		ControlPlaneStartTimeout: startTimeout,
		ControlPlaneStopTimeout:  20 * time.Second,
	}
	env.ControlPlane.Etcd = &envtest.Etcd{
		Path:    filepath.Join(binDir, "etcd"),
		DataDir: filepath.Join(dir, "etcd"),
	}
	api := env.ControlPlane.GetAPIServer()
	api.Path = filepath.Join(binDir, "kube-apiserver")
	api.CertDir = filepath.Join(dir, "apiserver")
	api.Configure().Set("service-cluster-ip-range", ServiceClusterIPRange)
	return env
}

// stop stops the API server and etcd, removes their data and releases the
// watchdog.
func (cp *controlPlane) stop() error {
	var errs []error
	if err := cp.env.Stop(); err != nil {
		errs = append(errs, fmt.Errorf("stop control plane: %w", err))
	}
	if err := os.RemoveAll(cp.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove control plane directory: %w", err))
	}
	if err := cp.watchdog.release(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
