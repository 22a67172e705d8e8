//go:build unix

package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func claim(name string, edit func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(storageClassName),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("8Gi")},
			},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func class(name, provisioner string, isDefault bool, created time.Time) *storagev1.StorageClass {
	c := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created)},
		Provisioner: provisioner,
	}
	if isDefault {
		c.Annotations = map[string]string{defaultClassAnnotation: "true"}
	}
	return c
}

// TestClaimClass: which claims the provisioner binds, under which class.
func TestClaimClass(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ours := defaultStorageClass()
	ours.CreationTimestamp = metav1.NewTime(t0)
	theirs := class("ebs", "ebs.csi.aws.com", false, t0)
	lateWait := class("late", provisionerName, false, t0)
	lateWait.VolumeBindingMode = ptr.To(storagev1.VolumeBindingWaitForFirstConsumer)
	newerForeignDefault := class("gp3", "ebs.csi.aws.com", true, t0.Add(time.Hour))
	betaDefault := class("beta", provisionerName, false, t0)
	betaDefault.Annotations = map[string]string{betaDefaultClassAnnotation: "true"}
	all := []*storagev1.StorageClass{ours, theirs, lateWait}

	tests := []struct {
		name      string
		claim     *corev1.PersistentVolumeClaim
		classes   []*storagev1.StorageClass
		wantClass string // "" for none
		wantErr   error
	}{
		{"our class", claim("data", nil), all, storageClassName, nil},
		{"no class takes the default", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil }), all, storageClassName, nil},
		{"no class, beta default annotation", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil }), []*storagev1.StorageClass{betaDefault}, "beta", nil},
		{"no class, newest default is not ours", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil }), append(all, newerForeignDefault), "", nil},
		{"no class and no default", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = nil }), []*storagev1.StorageClass{theirs}, "", nil},
		{"explicitly no class", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("") }), all, "", nil},
		{"another provisioner's class", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("ebs") }), all, "", nil},
		{"unknown class", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("fast") }), all, "", nil},
		{"already bound", claim("data", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.VolumeName = "pv-1"
			c.Status.Phase = corev1.ClaimBound
		}), all, "", nil},
		{"pre-bound by volumeName, still Pending", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-1" }), all, "", nil},
		{"lost", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Status.Phase = corev1.ClaimLost }), all, "", nil},
		{"being deleted", claim("data", func(c *corev1.PersistentVolumeClaim) { c.DeletionTimestamp = ptr.To(metav1.NewTime(t0)) }), all, "", nil},
		{"no phase yet", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Status.Phase = "" }), all, storageClassName, nil},
		{"first consumer, no node yet", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr.To("late") }), all, "", nil},
		{"first consumer, node selected", claim("data", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.StorageClassName = ptr.To("late")
			c.Annotations = map[string]string{selectedNodeAnnotation: "kwok-node-1"}
		}), all, "late", nil},
		{"selector", claim("data", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"disk": "ssd"}}
		}), all, "", errClaimSelector},
		{"no storage request", claim("data", func(c *corev1.PersistentVolumeClaim) { c.Spec.Resources.Requests = nil }), all, "", errClaimNoRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := claimClass(tt.claim, tt.classes)
			if err != tt.wantErr { //nolint:errorlint // sentinels returned as they are
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			gotName := ""
			if got != nil {
				gotName = got.Name
			}
			if gotName != tt.wantClass {
				t.Errorf("class = %q, want %q", gotName, tt.wantClass)
			}
		})
	}
}

// TestVolumeFor: the volume is named after the claim's uid, pre-bound to
// it, sized and moded as it asks, with the class's reclaim policy.
func TestVolumeFor(t *testing.T) {
	c := claim("data-pg-0", func(c *corev1.PersistentVolumeClaim) {
		c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany}
		c.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
	})
	got := volumeFor(c, defaultStorageClass(), "/repo/.cluster/volumes")
	want := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        "pvc-uid-data-pg-0",
			Annotations: map[string]string{provisionedByAnnotation: provisionerName},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("8Gi")},
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany},
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: "db", Name: "data-pg-0", UID: "uid-data-pg-0",
			},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              storageClassName,
			VolumeMode:                    ptr.To(corev1.PersistentVolumeFilesystem),
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: "/repo/.cluster/volumes/pvc-uid-data-pg-0",
				Type: ptr.To(corev1.HostPathDirectoryOrCreate),
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("volumeFor (-want +got):\n%s", diff)
	}

	retain := defaultStorageClass()
	retain.ReclaimPolicy = ptr.To(corev1.PersistentVolumeReclaimRetain)
	if got := volumeFor(c, retain, "/v").Spec.PersistentVolumeReclaimPolicy; got != corev1.PersistentVolumeReclaimRetain {
		t.Errorf("reclaim policy of a Retain class's volume = %s", got)
	}
	noPolicy := defaultStorageClass()
	noPolicy.ReclaimPolicy = nil
	if got := volumeFor(c, noPolicy, "/v").Spec.PersistentVolumeReclaimPolicy; got != corev1.PersistentVolumeReclaimDelete {
		t.Errorf("reclaim policy of a class without one = %s, want Delete", got)
	}
	// The same name in another namespace is another claim: another volume.
	again := claim("data-pg-0", func(c *corev1.PersistentVolumeClaim) { c.Namespace, c.UID = "db2", "uid-2" })
	if a, b := volumeFor(c, defaultStorageClass(), "/v").Name, volumeFor(again, defaultStorageClass(), "/v").Name; a == b {
		t.Errorf("claims db/data-pg-0 and db2/data-pg-0 got the same volume %s", a)
	}
}

// TestVolumeToDelete: only our Delete-policy volumes whose claim (that
// uid) is gone.
func TestVolumeToDelete(t *testing.T) {
	c := claim("data", nil)
	live := func(namespace, name string) (types.UID, bool) {
		if namespace == c.Namespace && name == c.Name {
			return c.UID, true
		}
		return "", false
	}
	recreated := func(string, string) (types.UID, bool) { return "uid-new", true }
	gone := func(string, string) (types.UID, bool) { return "", false }
	pv := func(edit func(*corev1.PersistentVolume)) *corev1.PersistentVolume {
		v := volumeFor(c, defaultStorageClass(), "/v")
		v.Status.Phase = corev1.VolumeBound
		if edit != nil {
			edit(v)
		}
		return v
	}
	tests := []struct {
		name  string
		pv    *corev1.PersistentVolume
		claim claimLookup
		want  bool
	}{
		{"claim exists", pv(nil), live, false},
		{"claim gone", pv(nil), gone, true},
		{"claim of the same name with another uid", pv(nil), recreated, true},
		{"Released", pv(func(v *corev1.PersistentVolume) { v.Status.Phase = corev1.VolumeReleased }), live, true},
		{"Retain", pv(func(v *corev1.PersistentVolume) {
			v.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		}), gone, false},
		{"another provisioner's", pv(func(v *corev1.PersistentVolume) { v.Annotations[provisionedByAnnotation] = "ebs.csi.aws.com" }), gone, false},
		{"not provisioned", pv(func(v *corev1.PersistentVolume) { v.Annotations = nil }), gone, false},
		{"being deleted", pv(func(v *corev1.PersistentVolume) { v.DeletionTimestamp = ptr.To(metav1.Now()) }), gone, false},
		{"no claimRef", pv(func(v *corev1.PersistentVolume) { v.Spec.ClaimRef = nil }), gone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := volumeToDelete(tt.pv, tt.claim); got != tt.want {
				t.Errorf("volumeToDelete = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestVolumeDir: only a directory named after the volume, directly in the
// volumes directory, is ever removed.
func TestVolumeDir(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"/r/.cluster/volumes/pvc-1", "/r/.cluster/volumes/pvc-1"},
		{"/r/.cluster/volumes/pvc-1/", "/r/.cluster/volumes/pvc-1"},
		{"/r/.cluster/volumes", ""},
		{"/r/.cluster/volumes/../pvc-1", ""},
		{"/r/.cluster/volumes/other", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pvc-1"}}
		pv.Spec.HostPath = &corev1.HostPathVolumeSource{Path: tt.path}
		if got := volumeDir(pv, "/r/.cluster/volumes"); got != tt.want {
			t.Errorf("volumeDir(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	if got := volumeDir(&corev1.PersistentVolume{}, "/v"); got != "" {
		t.Errorf("volumeDir of a volume without hostPath = %q", got)
	}
}
