//go:build unix

package main

import (
	"errors"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

const (
	// provisionedByAnnotation names the provisioner of a PersistentVolume;
	// the PV controller leaves deleting such volumes to that provisioner.
	provisionedByAnnotation = "pv.kubernetes.io/provisioned-by"
	// selectedNodeAnnotation is set by the scheduler on claims of a
	// WaitForFirstConsumer class once their Pod has a node.
	selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
)

// Claims the provisioner would serve but cannot.
var (
	errClaimSelector  = errors.New("has a selector, which dynamic provisioning does not support; remove spec.selector or create a matching PersistentVolume")
	errClaimNoRequest = errors.New("requests no storage (spec.resources.requests.storage)")
)

// volumeName is the PersistentVolume provisioned for the claim of uid: by
// uid, not name, because a claim of the same name comes back in a new
// namespace or after its deletion while the old volume is still deleted.
func volumeName(uid types.UID) string { return "pvc-" + string(uid) }

// claimClass returns the StorageClass under which claim is to be
// provisioned, or nil when the provisioner leaves it alone: it is bound,
// being deleted, asks for no class (""), its class is unknown or not ours,
// or its class waits for the first consumer and no node is selected yet. A
// claim without a class takes the default class, as the API server and the
// PV controller assign it. The error says why an otherwise eligible claim
// cannot be served.
func claimClass(claim *corev1.PersistentVolumeClaim, classes []*storagev1.StorageClass) (*storagev1.StorageClass, error) {
	if claim.DeletionTimestamp != nil || claim.Spec.VolumeName != "" ||
		(claim.Status.Phase != "" && claim.Status.Phase != corev1.ClaimPending) {
		return nil, nil
	}
	var class *storagev1.StorageClass
	if claim.Spec.StorageClassName == nil {
		class = defaultClass(classes)
	} else {
		class = classNamed(classes, *claim.Spec.StorageClassName)
	}
	if class == nil || class.Provisioner != provisionerName {
		return nil, nil
	}
	if class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer &&
		claim.Annotations[selectedNodeAnnotation] == "" {
		return nil, nil
	}
	if claim.Spec.Selector != nil {
		return nil, errClaimSelector
	}
	if _, ok := claim.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		return nil, errClaimNoRequest
	}
	return class, nil
}

func classNamed(classes []*storagev1.StorageClass, name string) *storagev1.StorageClass {
	if name == "" {
		return nil // explicitly no class: only pre-existing volumes bind
	}
	for _, c := range classes {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// defaultClass is the newest class marked default (the API server's rule
// when several are), nil if none is.
func defaultClass(classes []*storagev1.StorageClass) *storagev1.StorageClass {
	var newest *storagev1.StorageClass
	for _, c := range classes {
		if !isDefaultClass(c) {
			continue
		}
		if newest == nil || newest.CreationTimestamp.Before(&c.CreationTimestamp) ||
			(newest.CreationTimestamp.Equal(&c.CreationTimestamp) && c.Name < newest.Name) {
			newest = c
		}
	}
	return newest
}

// volumeFor is the hostPath PersistentVolume, under dir, that binds claim:
// pre-bound to it by claimRef, with the capacity it requests, its access
// and volume modes, and the class's reclaim policy (Delete by default).
func volumeFor(claim *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, dir string) *corev1.PersistentVolume {
	name := volumeName(claim.UID)
	reclaim := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{provisionedByAnnotation: provisionerName},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: claim.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes: claim.Spec.AccessModes,
			ClaimRef: &corev1.ObjectReference{
				Kind:       "PersistentVolumeClaim",
				APIVersion: "v1",
				Namespace:  claim.Namespace,
				Name:       claim.Name,
				UID:        claim.UID,
			},
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              class.Name,
			MountOptions:                  class.MountOptions,
			VolumeMode:                    claim.Spec.VolumeMode,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: filepath.Join(dir, name),
				Type: ptr.To(corev1.HostPathDirectoryOrCreate),
			}},
		},
	}
}

// claimLookup returns the uid of the claim namespace/name, false if there
// is none.
type claimLookup func(namespace, name string) (types.UID, bool)

// volumeToDelete reports whether pv is a volume of ours whose claim is gone
// and whose reclaim policy is Delete. The claim is gone when the PV
// controller says so (Released) or when no claim of its name and uid
// exists: one of the same name but another uid is a new claim.
func volumeToDelete(pv *corev1.PersistentVolume, claimUID claimLookup) bool {
	if pv.Annotations[provisionedByAnnotation] != provisionerName || pv.DeletionTimestamp != nil ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.Spec.ClaimRef == nil {
		return false
	}
	if pv.Status.Phase == corev1.VolumeReleased {
		return true
	}
	ref := pv.Spec.ClaimRef
	uid, ok := claimUID(ref.Namespace, ref.Name)
	return !ok || uid != ref.UID
}

// volumeDir returns the directory of a volume of ours under dir, "" when
// its path is not a direct child of dir (never removed: the object may
// have been written by hand).
func volumeDir(pv *corev1.PersistentVolume, dir string) string {
	if pv.Spec.HostPath == nil {
		return ""
	}
	path := filepath.Clean(pv.Spec.HostPath.Path)
	if filepath.Dir(path) != filepath.Clean(dir) || filepath.Base(path) != pv.Name {
		return ""
	}
	return path
}
