//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv/tree"
)

// What the local cluster offers real charts (hack/cluster): a default
// StorageClass served by its provisioner, nodes in three zones with
// ephemeral-storage and the usual labels.
const (
	defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	localProvisioner       = "berth.sh/local-hostpath"
	zoneLabel              = "topology.kubernetes.io/zone"
)

// defaultStorageClass returns the cluster's default StorageClass, failing
// the test unless there is exactly one.
func defaultStorageClass(t *testing.T, client kubernetes.Interface) storagev1.StorageClass {
	t.Helper()
	classes, err := client.StorageV1().StorageClasses().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list StorageClasses: %v", err)
	}
	var defaults []storagev1.StorageClass
	for _, c := range classes.Items {
		if c.Annotations[defaultClassAnnotation] == "true" {
			defaults = append(defaults, c)
		}
	}
	if len(defaults) != 1 {
		t.Fatalf("%d default StorageClasses, want 1", len(defaults))
	}
	return defaults[0]
}

// TestClaimOfDefaultClassBindsAndGoes: a claim without a class gets the
// default class, becomes Bound to a volume provisioned for it (named after
// its uid, with its size and access modes), and once the claim is deleted
// the volume goes too.
func TestClaimOfDefaultClassBindsAndGoes(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	class := defaultStorageClass(t, client)
	if class.Provisioner != localProvisioner || class.VolumeBindingMode == nil ||
		*class.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Errorf("StorageClass/%s: provisioner %s, binding mode %v; want %s, Immediate",
			class.Name, class.Provisioner, class.VolumeBindingMode, localProvisioner)
	}
	claim, err := client.CoreV1().PersistentVolumeClaims(ns).Create(t.Context(), &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create PersistentVolumeClaim/%s/data: %v", ns, err)
	}
	eventually(t, workloadTimeout, "PersistentVolumeClaim/"+ns+"/data Bound", func(ctx context.Context) (bool, string, error) {
		got, err := client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		claim = got
		return got.Status.Phase == corev1.ClaimBound, fmt.Sprintf("phase %s, volume %q", got.Status.Phase, got.Spec.VolumeName), nil
	})
	if got := claim.Spec.StorageClassName; got == nil || *got != class.Name {
		t.Errorf("claim's class = %v, want the default %s", got, class.Name)
	}
	pvName := claim.Spec.VolumeName
	if want := "pvc-" + string(claim.UID); pvName != want {
		t.Errorf("claim bound to %s, want %s (named after its uid)", pvName, want)
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(t.Context(), pvName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get PersistentVolume/%s: %v", pvName, err)
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	if size.Cmp(resource.MustParse("2Gi")) != 0 || !slices.Equal(pv.Spec.AccessModes, claim.Spec.AccessModes) ||
		pv.Spec.HostPath == nil || filepath.Base(pv.Spec.HostPath.Path) != pvName ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		t.Errorf("PersistentVolume/%s: capacity %s, access modes %v, hostPath %+v, reclaim %s; want 2Gi, %v, a directory of its name, Delete",
			pvName, size.String(), pv.Spec.AccessModes, pv.Spec.HostPath, pv.Spec.PersistentVolumeReclaimPolicy, claim.Spec.AccessModes)
	}

	if err := client.CoreV1().PersistentVolumeClaims(ns).Delete(t.Context(), "data", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete PersistentVolumeClaim/%s/data: %v", ns, err)
	}
	eventually(t, workloadTimeout, "PersistentVolume/"+pvName+" deleted with its claim", func(ctx context.Context) (bool, string, error) {
		got, err := client.CoreV1().PersistentVolumes().Get(ctx, pvName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		return false, "phase " + string(got.Status.Phase), nil
	})
}

// zonedChart writes a chart of what real charts ask of a cluster: a
// 3-replica StatefulSet with a claim template and required pod
// anti-affinity on the zone, and a Deployment whose Pod requests
// ephemeral-storage and selects linux nodes.
func zonedChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "zoned")
	tree.Write(t, dir, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: zoned\nversion: 0.1.0\n",
		"templates/db.yaml": `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: db}}
            topologyKey: topology.kubernetes.io/zone
      containers:
      - name: main
        image: registry.k8s.io/pause:3.10
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`,
		"templates/scratch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: scratch}
spec:
  replicas: 1
  selector: {matchLabels: {app: scratch}}
  template:
    metadata: {labels: {app: scratch}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - name: main
        image: registry.k8s.io/pause:3.10
        resources:
          requests: {cpu: 100m, memory: 64Mi, ephemeral-storage: 1Gi}
          limits: {ephemeral-storage: 2Gi}
`,
	})
	return dir
}

// TestStatefulSetAcrossZones: berth install --wait of that chart returns
// once the StatefulSet's three replicas run, one per zone, each with a
// Bound claim, and the Pod asking for ephemeral-storage runs on a linux
// node.
func TestStatefulSetAcrossZones(t *testing.T) {
	client := newClient(t)
	ns := namespace(t, client)
	conn := []string{"--kubeconfig", kubeconfigPath(t), "-n", ns}
	began := time.Now()
	run := runBerth(t, t.TempDir(), "", append([]string{"install", "zoned", zonedChart(t), "--wait", "--timeout", "45s"}, conn...)...)
	if run.ExitCode != 0 {
		t.Fatalf("berth install --wait: exit code %d\nstderr:\n%s", run.ExitCode, run.Stderr)
	}
	t.Logf("berth install --wait took %s", time.Since(began).Round(100*time.Millisecond))

	db := podsOf(t, client, ns, "app=db")
	zonesUsed := map[string]bool{}
	for _, p := range db {
		zonesUsed[nodeZone(t, client, p.Spec.NodeName)] = true
	}
	if len(db) != 3 || len(zonesUsed) != 3 {
		t.Errorf("StatefulSet pods %d in zones %v; want 3 in 3 zones", len(db), zonesUsed)
	}
	claims, err := client.CoreV1().PersistentVolumeClaims(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list claims: %v", err)
	}
	var bound []string
	for _, c := range claims.Items {
		if c.Status.Phase == corev1.ClaimBound {
			bound = append(bound, c.Name)
		}
	}
	slices.Sort(bound)
	if want := []string{"data-db-0", "data-db-1", "data-db-2"}; !slices.Equal(bound, want) {
		t.Errorf("Bound claims %v, want %v", bound, want)
	}

	scratch := podsOf(t, client, ns, "app=scratch")
	if len(scratch) != 1 {
		t.Fatalf("scratch pods: %d, want 1", len(scratch))
	}
	node, err := client.CoreV1().Nodes().Get(t.Context(), scratch[0].Spec.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("node of Pod/%s/%s: %v", ns, scratch[0].Name, err)
	}
	if node.Labels["kubernetes.io/os"] != "linux" {
		t.Errorf("Pod/%s/%s runs on node %s labelled %v, want kubernetes.io/os=linux", ns, scratch[0].Name, node.Name, node.Labels)
	}
}

// podsOf lists the Pods of selector, failing the test unless each runs on
// a node.
func podsOf(t *testing.T, client kubernetes.Interface, ns, selector string) []corev1.Pod {
	t.Helper()
	pods, err := client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatalf("list Pods %s: %v", selector, err)
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || p.Spec.NodeName == "" {
			t.Errorf("Pod/%s/%s: phase %s on node %q, want Running on a node", ns, p.Name, p.Status.Phase, p.Spec.NodeName)
		}
	}
	return pods.Items
}

func nodeZone(t *testing.T, client kubernetes.Interface, name string) string {
	t.Helper()
	node, err := client.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node %s: %v", name, err)
	}
	zone := node.Labels[zoneLabel]
	if strings.TrimSpace(zone) == "" {
		t.Errorf("node %s has no %s label", name, zoneLabel)
	}
	return zone
}
