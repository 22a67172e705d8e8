//go:build unix

package main

import (
	"context"
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// startProvisioner runs the provisioner against client until the test ends
// and returns its volume directory.
func startProvisioner(t *testing.T, client kubernetes.Interface) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "volumes")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runProvisioner(ctx, client, dir, log.New(io.Discard, "", 0)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("provisioner: %v", err)
		}
	})
	return dir
}

// awaitVolume waits until the volume exists (want true) or not.
func awaitVolume(t *testing.T, client kubernetes.Interface, name string, want bool) *corev1.PersistentVolume {
	t.Helper()
	var pv *corev1.PersistentVolume
	err := wait.PollUntilContextTimeout(t.Context(), 10*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return !want, nil
		}
		pv = got
		return want && err == nil, err
	})
	if err != nil {
		t.Fatalf("PersistentVolume/%s exists %v: %v", name, !want, err)
	}
	return pv
}

// TestProvisionerLifecycle: the provisioner reacts to events: a claim of
// its class gets a volume and a directory, a claim of another class none,
// and deleting the claim deletes both.
func TestProvisionerLifecycle(t *testing.T) {
	foreign := class("ebs", "ebs.csi.aws.com", false, time.Now())
	client := fake.NewClientset(defaultStorageClass(), foreign)
	dir := startProvisioner(t, client)
	claims := client.CoreV1().PersistentVolumeClaims("db")

	other := claim("other", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("ebs") })
	ours := claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil })
	for _, c := range []*corev1.PersistentVolumeClaim{other, ours} {
		if _, err := claims.Create(t.Context(), c, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pv := awaitVolume(t, client, volumeName(ours.UID), true)
	if ref := pv.Spec.ClaimRef; ref == nil || ref.Namespace != "db" || ref.Name != "data" || ref.UID != ours.UID {
		t.Errorf("claimRef = %+v, want db/data uid %s", ref, ours.UID)
	}
	if fi, err := os.Stat(pv.Spec.HostPath.Path); err != nil || !fi.IsDir() || filepath.Dir(pv.Spec.HostPath.Path) != dir {
		t.Errorf("volume directory %s: %v; want a directory in %s", pv.Spec.HostPath.Path, err, dir)
	}
	// One worker handles events in order: the other claim came first.
	if list, err := client.CoreV1().PersistentVolumes().List(t.Context(), metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
		t.Errorf("volumes: %d, %v; want only the one for db/data", len(list.Items), err)
	}

	if err := claims.Delete(t.Context(), "data", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitVolume(t, client, pv.Name, false)
	if _, err := os.Stat(pv.Spec.HostPath.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("volume directory after the claim went: %v, want it removed", err)
	}
}

// TestProvisionerLateClass: a claim made before any default class exists
// is provisioned once the class appears; a Released volume of ours is
// deleted even while a claim of its name exists again.
func TestProvisionerLateClass(t *testing.T) {
	c := claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil })
	old := volumeFor(claim("data", func(c *corev1.PersistentVolumeClaim) { c.UID = "uid-old" }), defaultStorageClass(), "/nowhere")
	old.Status.Phase = corev1.VolumeReleased
	client := fake.NewClientset(c, old)
	startProvisioner(t, client)

	awaitVolume(t, client, old.Name, false)
	if _, err := client.StorageV1().StorageClasses().Create(t.Context(), defaultStorageClass(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pv := awaitVolume(t, client, volumeName(c.UID), true)
	if pv.Spec.StorageClassName != storageClassName {
		t.Errorf("class = %q, want the default %q", pv.Spec.StorageClassName, storageClassName)
	}
}

// TestProvisionerRetain: a Retain class's volume outlives its claim.
func TestProvisionerRetain(t *testing.T) {
	retain := defaultStorageClass()
	retain.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRetain)
	keep := claim("keep", nil)
	client := fake.NewClientset(retain, keep)
	startProvisioner(t, client)
	pv := awaitVolume(t, client, volumeName(keep.UID), true)
	if err := client.CoreV1().PersistentVolumeClaims("db").Delete(t.Context(), "keep", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A later claim's volume appearing shows the deletion was handled.
	next := claim("next", nil)
	if _, err := client.CoreV1().PersistentVolumeClaims("db").Create(t.Context(), next, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitVolume(t, client, volumeName(next.UID), true)
	if _, err := client.CoreV1().PersistentVolumes().Get(t.Context(), pv.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("Retain volume after its claim went: %v, want it kept", err)
	}
	if _, err := os.Stat(pv.Spec.HostPath.Path); err != nil {
		t.Errorf("Retain volume directory: %v, want it kept", err)
	}
}
