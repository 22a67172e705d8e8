package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/release"
)

// Sizes of the deploy scenarios, as issue "Deploy" states them.
const (
	bulkObjects     = 1000 // gen-chart.sh DIR 1000
	listReleases    = 2000 // release records listed per tool
	listPayloadSize = 100 << 10
	// createWorkers is how many records are written at once.
	createWorkers = 16
)

// localCluster is the local cluster (hack/cluster.sh) the deploy
// scenarios run on, started on first use when it was not running.
type localCluster struct {
	kubeconfig string
	client     kubernetes.Interface
	// started says the bench started it, so stops it at the end.
	started bool
	// suffix ends the namespaces of this bench run, so that the objects
	// an interrupted run left never collide with the next run's.
	suffix string
}

// ns is the namespace of scenario and tool in this bench run.
func (lc *localCluster) ns(scenario, tool string) string {
	return "bench-" + scenario + "-" + tool + "-" + lc.suffix
}

// clusterFor returns the running local cluster, starting it if needed.
func clusterFor(cfg config) (*localCluster, error) {
	lc := cfg.cluster
	if lc.client != nil {
		return lc, nil
	}
	if err := exec.CommandContext(context.Background(), "hack/cluster.sh", "status").Run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: starting the local cluster (hack/cluster.sh up)")
		if err := runQuiet("hack/cluster.sh", "up"); err != nil {
			return nil, err
		}
		lc.started = true
	}
	lc.kubeconfig = filepath.Join(clusterDir(), "kubeconfig")
	lc.suffix = strconv.FormatInt(time.Now().Unix()%1e6, 10)
	rc, err := clientcmd.BuildConfigFromFlags("", lc.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", lc.kubeconfig, err)
	}
	rc.QPS, rc.Burst = 100, 200
	if lc.client, err = kubernetes.NewForConfig(rc); err != nil {
		return nil, err
	}
	return lc, nil
}

// clusterDir is the local cluster's state directory: $BERTH_CLUSTER_DIR
// (hack/cluster's, for a cluster of the bench's own) or .cluster.
func clusterDir() string {
	if dir := os.Getenv("BERTH_CLUSTER_DIR"); dir != "" {
		return dir
	}
	return ".cluster"
}

// stop stops the cluster if the bench started it.
func (lc *localCluster) stop() {
	if lc.started {
		if err := runQuiet("hack/cluster.sh", "down"); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}
}

// namespace creates namespace name if it does not exist.
func (lc *localCluster) namespace(ctx context.Context, name string) error {
	_, err := lc.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// deleteNamespaces deletes the namespaces of a scenario, both tools'.
func (lc *localCluster) deleteNamespaces(scenario string) error {
	var errs []error
	for _, tool := range []string{"berth", "helm"} {
		err := lc.client.CoreV1().Namespaces().Delete(context.Background(), lc.ns(scenario, tool), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deployScenarios are the cluster benchmarks: install, upgrades and list,
// each tool in namespaces of its own (bench-SCENARIO-berth, -helm). The
// chart's Deployments get replicas=0 so that no Pods start in the
// background of the next run; neither tool waits for readiness.
func deployScenarios(cfg config) []scenario {
	bulk := filepath.Join(cfg.workDir, "deploy-bulk")
	genBulk := func(config) error {
		if _, err := os.Stat(bulk); err == nil {
			return nil
		}
		return runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), bulk, strconv.Itoa(bulkObjects))
	}
	noWait := berthNoWait(cfg.berth)
	kube := func(tool, ns string) []string {
		args := []string{"-n", cfg.cluster.ns(ns, tool), "--kubeconfig", cfg.cluster.kubeconfig}
		if tool == "berth" && ns != "list" {
			args = append(args, noWait...)
		}
		return args
	}
	// deploy runs verb on release name of bulk with set added to --set.
	deploy := func(tool, verb, name, ns, set string) []string {
		return append([]string{verb, name, bulk, "--set", "replicas=0" + set}, kube(tool, ns)...)
	}
	return []scenario{
		{
			name:  "install gen-chart.sh 1000",
			setup: func(cfg config) error { return errors.Join(genBulk(cfg), deployNamespaces(cfg, "install")) },
			argsFor: func(tool string, run int) []string {
				return deploy(tool, "install", "bulk-"+strconv.Itoa(run), "install", "")
			},
			teardown: func(cfg config) error { return cfg.cluster.deleteNamespaces("install") },
		},
		{
			name:    "upgrade gen-chart.sh 1000, no changes",
			setup:   func(cfg config) error { return errors.Join(genBulk(cfg), installOnce(cfg, bulk, kube)) },
			argsFor: func(tool string, _ int) []string { return deploy(tool, "upgrade", "up", "deploy", "") },
		},
		{
			name:  "upgrade gen-chart.sh 1000, --set generation=N",
			setup: func(cfg config) error { return errors.Join(genBulk(cfg), installOnce(cfg, bulk, kube)) },
			argsFor: func(tool string, run int) []string {
				return deploy(tool, "upgrade", "up", "deploy", ",generation="+strconv.Itoa(run+2))
			},
			teardown: func(cfg config) error { return cfg.cluster.deleteNamespaces("deploy") },
		},
		{
			name:  "list 2000 releases of ~100 KB",
			setup: setupList,
			argsFor: func(tool string, _ int) []string {
				return append([]string{"list", "--max", "0"}, kube(tool, "list")...)
			},
			teardown: func(cfg config) error { return cfg.cluster.deleteNamespaces("list") },
		},
	}
}

// deployNamespaces starts the cluster and creates the namespaces of
// scenario ns for both tools.
func deployNamespaces(cfg config, ns string) error {
	lc, err := clusterFor(cfg)
	if err != nil {
		return err
	}
	for _, tool := range []string{"berth", "helm"} {
		if err := lc.namespace(context.Background(), lc.ns(ns, tool)); err != nil {
			return err
		}
	}
	return nil
}

// installOnce installs release "up" with each tool for the upgrade
// scenarios (upgrade --install: a no-op upgrade when it exists), untimed.
func installOnce(cfg config, bulk string, kube func(tool, ns string) []string) error {
	if err := deployNamespaces(cfg, "deploy"); err != nil {
		return err
	}
	for tool, bin := range map[string]string{"berth": cfg.berth, "helm": cfg.helm} {
		args := append([]string{"upgrade", "--install", "up", bulk, "--set", "replicas=0"}, kube(tool, "deploy")...)
		if err := runQuiet(bin, args...); err != nil {
			return err
		}
	}
	return nil
}

// setupList writes listReleases deployed release records into each tool's
// namespace: berth's through pkg/release,
// Helm's as Helm's Secret driver stores them (Secret
// sh.helm.release.v1.NAME.v1 of type helm.sh/release.v1, labels
// owner=helm, name, status, version, data.release the base64 of the
// gzipped release JSON). Both hold the same release, whose manifest is
// hex digests sized so that the gzipped payload is about listPayloadSize.
func setupList(cfg config) error {
	if err := deployNamespaces(cfg, "list"); err != nil {
		return err
	}
	lc := cfg.cluster
	manifest := incompressibleManifest(2 * listPayloadSize)
	rc, err := clientcmd.BuildConfigFromFlags("", lc.kubeconfig)
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 200, 400
	clients, err := release.NewClients(rc)
	if err != nil {
		return err
	}
	berthNS, helmNS := lc.ns("list", "berth"), lc.ns("list", "helm")
	berthStore := release.NewSecrets(clients, berthNS)
	began := time.Now()
	err = forEachRelease(func(i int) error {
		return berthStore.Create(context.Background(), listRelease(i, berthNS, manifest))
	})
	if err != nil {
		return fmt.Errorf("write berth records: %w", err)
	}
	err = forEachRelease(func(i int) error {
		secret, err := helmRecord(listRelease(i, helmNS, manifest))
		if err != nil {
			return err
		}
		_, err = lc.client.CoreV1().Secrets(helmNS).Create(context.Background(), secret, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("write helm records: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: %d release records per tool ready in %s\n", listReleases, time.Since(began).Round(time.Second))
	return nil
}

// forEachRelease runs fn for 0..listReleases-1 on createWorkers
// goroutines and returns the first error.
func forEachRelease(fn func(i int) error) error {
	next := make(chan int)
	errs := make([]error, createWorkers)
	var wg sync.WaitGroup
	for w := range createWorkers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	for i := range listReleases {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// listRelease is release i of the list scenario: deployed revision 1 of
// chart bulk.
func listRelease(i int, ns, manifest string) *release.Release {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	return &release.Release{
		Name: fmt.Sprintf("rel-%04d", i), Namespace: ns, Revision: 1, Status: release.StatusDeployed,
		Description: "Install complete",
		Chart:       &chart.Metadata{APIVersion: "v2", Name: "bulk", Version: "0.1.0", AppVersion: "1.0.0"},
		Values:      map[string]any{"replicas": 0}, Manifest: manifest, FirstDeployed: at, LastDeployed: at,
	}
}

// helmRecord encodes rel as Helm v4's Secret driver stores a release.
func helmRecord(rel *release.Release) (*corev1.Secret, error) {
	type helmInfo struct {
		FirstDeployed time.Time `json:"first_deployed"`
		LastDeployed  time.Time `json:"last_deployed"`
		Description   string    `json:"description"`
		Status        string    `json:"status"`
	}
	type helmChart struct {
		Metadata *chart.Metadata `json:"metadata"`
	}
	payload, err := json.Marshal(struct {
		Name      string         `json:"name"`
		Info      helmInfo       `json:"info"`
		Chart     helmChart      `json:"chart"`
		Config    map[string]any `json:"config"`
		Manifest  string         `json:"manifest"`
		Version   int            `json:"version"`
		Namespace string         `json:"namespace"`
	}{
		Name:  rel.Name,
		Info:  helmInfo{rel.FirstDeployed, rel.LastDeployed, rel.Description, string(rel.Status)},
		Chart: helmChart{rel.Chart}, Config: rel.Values, Manifest: rel.Manifest,
		Version: rel.Revision, Namespace: rel.Namespace,
	})
	if err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	w, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(payload); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: "sh.helm.release.v1." + rel.Name + ".v" + strconv.Itoa(rel.Revision),
			Labels: map[string]string{
				"owner": "helm", "name": rel.Name, "status": string(rel.Status), "version": strconv.Itoa(rel.Revision),
			},
		},
		Type: "helm.sh/release.v1",
		Data: map[string][]byte{"release": []byte(base64.StdEncoding.EncodeToString(gz.Bytes()))},
	}, nil
}

// incompressibleManifest returns a manifest of about size bytes of
// ConfigMaps holding hex digests, which gzip compresses only about 2:1.
func incompressibleManifest(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		if i%100 == 0 {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pad-%d\ndata:\n  payload: |\n", i/100)
		}
		fmt.Fprintf(&b, "    %x\n", sha256.Sum256([]byte(strconv.Itoa(i))))
	}
	return b.String()
}

// berthNoWait is --wait=false when berth has a --wait flag, so that both
// tools only apply (Helm's default, hookOnly, waits for hooks only; the
// bulk chart has none).
func berthNoWait(berth string) []string {
	out, err := exec.CommandContext(context.Background(), berth, "install", "--help").Output()
	if err == nil && bytes.Contains(out, []byte("--wait")) {
		return []string{"--wait=false"}
	}
	return nil
}
