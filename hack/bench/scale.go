package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-sh/berth/pkg/release"
)

// scaleScenario names the scale measurements, for -only: they write
// 100 000 release records and install 5000 objects, so they run only when
// -only names them.
const scaleScenario = "scale"

// Sizes and targets of issue 17's scale measurements.
const (
	scaleHistory     = 1000 // revisions of one release
	scaleWaitObjects = 5000
	targetListWall   = time.Second
	targetListRSS    = 150 << 20
	targetWaitRSS    = 300 << 20
	scaleWriters     = 32
)

// runScale runs the scale measurements: list over -scale-releases releases
// of -scale-revisions revisions each (berth only: Helm decodes every
// payload), history of one release with 1000 revisions (both tools), and
// install --wait of 5000 objects through the counting proxy (berth only),
// each against the targets.
func runScale(ctx context.Context, cfg config, out io.Writer) error {
	lc, err := clusterFor(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nScale (%d runs each after a warm-up):\n\n", cfg.runs)
	fmt.Fprintln(out, "| measurement | berth median | berth max RSS | target | helm median | helm max RSS |")
	fmt.Fprintln(out, "| --- | ---: | ---: | --- | ---: | ---: |")
	parts := []struct {
		name string
		run  func() error
	}{
		{"history", func() error { return scaleHistoryRun(ctx, cfg, lc, out) }},
		{"list", func() error { return scaleListRun(ctx, cfg, lc, out) }},
		{"wait", func() error { return scaleWaitRun(ctx, cfg, out) }},
	}
	for _, part := range parts {
		if !cfg.scaleParts.MatchString(part.name) {
			continue
		}
		if err := part.run(); err != nil {
			return err
		}
	}
	return nil
}

// scaleRecords writes, on scaleWriters goroutines, revisions 1..revisions
// of releases 0..releases-1 into ns: berth's through pkg/release and, when
// helm is set, Helm's as its Secret driver stores them; only each
// release's last revision is deployed.
func scaleRecords(lc *localCluster, ns string, names func(i int) string, releases, revisions int, helm bool) error {
	rc, err := clientcmd.BuildConfigFromFlags("", lc.kubeconfig)
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 2000, 4000
	clients, err := release.NewClients(rc)
	if err != nil {
		return err
	}
	store := release.NewSecrets(clients, ns)
	manifest := incompressibleManifest(2 << 10)
	jobs := make(chan [2]int)
	errs := make([]error, scaleWriters)
	var wg sync.WaitGroup
	for w := range scaleWriters {
		wg.Go(func() {
			for job := range jobs {
				rel := listRelease(job[0], ns, manifest)
				rel.Name, rel.Revision = names(job[0]), job[1]
				if job[1] < revisions {
					rel.Status = release.StatusSuperseded
				}
				var err error
				if helm {
					var secret *corev1.Secret
					if secret, err = helmRecord(rel); err == nil {
						_, err = clients.Kube.CoreV1().Secrets(ns).Create(context.Background(), secret, metav1.CreateOptions{})
					}
				} else {
					err = store.Create(context.Background(), rel)
				}
				if err != nil && errs[w] == nil {
					errs[w] = fmt.Errorf("write %s revision %d: %w", rel.Name, rel.Revision, err)
				}
			}
		})
	}
	for i := range releases {
		for r := 1; r <= revisions; r++ {
			jobs <- [2]int{i, r}
		}
	}
	close(jobs)
	wg.Wait()
	return errors.Join(errs...)
}

// scaleHistoryRun times history over one release with 1000 revisions.
func scaleHistoryRun(ctx context.Context, cfg config, lc *localCluster, out io.Writer) error {
	name := func(int) string { return "deep" }
	for _, tool := range []string{"berth", "helm"} {
		ns := lc.ns("history", tool)
		if err := lc.namespace(ctx, ns); err != nil {
			return err
		}
		began := time.Now()
		if err := scaleRecords(lc, ns, name, 1, scaleHistory, tool == "helm"); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: %d %s records in %s\n", scaleHistory, tool, time.Since(began).Round(time.Second))
	}
	defer func() { _ = lc.deleteNamespaces("history") }()
	s := scenario{
		name: fmt.Sprintf("history of a release with %d revisions", scaleHistory),
		argsFor: func(tool string, _ int) []string {
			return []string{"history", "deep", "--max", strconv.Itoa(scaleHistory), "-n", lc.ns("history", tool), "--kubeconfig", lc.kubeconfig}
		},
	}
	b, h, err := measure(ctx, cfg, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "| %s | %s | %s | (none) | %s | %s |\n", s.name, dur(median(b)), mib(maxRSS(b)), dur(median(h)), mib(maxRSS(h)))
	return nil
}

// scaleListRun times berth list over -scale-releases releases of
// -scale-revisions revisions each.
func scaleListRun(ctx context.Context, cfg config, lc *localCluster, out io.Writer) error {
	ns := lc.ns("scale-list", "berth")
	if err := lc.namespace(ctx, ns); err != nil {
		return err
	}
	defer func() { _ = lc.deleteNamespaces("scale-list") }()
	began := time.Now()
	name := func(i int) string { return fmt.Sprintf("rel-%05d", i) }
	if err := scaleRecords(lc, ns, name, cfg.scaleReleases, cfg.scaleRevisions, false); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: %d records in %s\n", cfg.scaleReleases*cfg.scaleRevisions, time.Since(began).Round(time.Second))
	var samples []sample
	for i := 0; i <= cfg.runs; i++ {
		s, err := runOnce(ctx, lc, cfg.berth, []string{"list", "--max", "0", "-n", ns, "--kubeconfig", lc.kubeconfig}, io.Discard)
		if err != nil {
			return err
		}
		if i > 0 {
			samples = append(samples, s)
		}
	}
	m, rss := median(samples), maxRSS(samples)
	fmt.Fprintf(out, "| list %d releases of %d revisions | %s | %s | < %s and %s: %s | — | — |\n",
		cfg.scaleReleases, cfg.scaleRevisions, dur(m), mib(rss), targetListWall, mib(targetListRSS),
		verdict(m.wall < targetListWall && rss < targetListRSS))
	return nil
}

// scaleWaitRun installs gen-chart.sh 5000 with --wait through the counting
// proxy and reports its watches and memory.
func scaleWaitRun(ctx context.Context, cfg config, out io.Writer) error {
	proxy, kubeconfig, client, err := startFaultProxy(cfg)
	if err != nil {
		return err
	}
	defer proxy.Close()
	chart := filepath.Join(cfg.workDir, "wait-bulk-5000")
	if err := runQuiet(filepath.Join(cfg.shared, "bench", "gen-chart.sh"), chart, strconv.Itoa(scaleWaitObjects)); err != nil {
		return err
	}
	var samples []sample
	var watches []int64
	for i := 0; i <= min(cfg.runs, 2); i++ {
		ns := fmt.Sprintf("bench-scale-wait-%d-%d", time.Now().Unix(), i)
		if err := createFaultNamespace(ctx, client, ns); err != nil {
			return err
		}
		before := proxy.Counts()
		s, err := runOnce(ctx, cfg.cluster, cfg.berth, []string{
			"install", "bulk", chart, "--set", "replicas=0", "--wait",
			"--timeout", "10m", "-n", ns, "--kubeconfig", kubeconfig,
		}, io.Discard)
		deleteFaultNamespaces(client, map[string]string{"berth": ns})
		if err != nil {
			return err
		}
		if i > 0 {
			samples = append(samples, s)
			watches = append(watches, diffCounts(proxy.Counts(), before).Watches)
		}
	}
	m, rss := median(samples), maxRSS(samples)
	fmt.Fprintf(out, "| install --wait %d objects of 7 kinds (watches opened: %v) | %s | %s | bounded watches, < %s: %s | — | — |\n",
		scaleWaitObjects, watches, dur(m), mib(rss), mib(targetWaitRSS), verdict(rss < targetWaitRSS && slicesMax(watches) <= 16))
	return nil
}

func slicesMax(v []int64) int64 {
	var m int64
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
