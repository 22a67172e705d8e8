//go:build unix

package main

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

const (
	// storageClassName is the cluster's default StorageClass.
	storageClassName = "standard"
	// provisionerName is the StorageClass provisioner that the provision
	// command serves.
	provisionerName = "berth.sh/local-hostpath"
	// defaultClassAnnotation marks the default StorageClass; the beta
	// annotation still counts for the API server.
	defaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

// defaultStorageClass is the class up creates: the default, bound at once,
// its volumes deleted with their claims.
func defaultStorageClass() *storagev1.StorageClass {
	return &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        storageClassName,
			Annotations: map[string]string{defaultClassAnnotation: "true"},
		},
		Provisioner:       provisionerName,
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
	}
}

// ensureStorageClass creates the default StorageClass unless it exists.
func ensureStorageClass(ctx context.Context, client kubernetes.Interface) error {
	_, err := client.StorageV1().StorageClasses().Create(ctx, defaultStorageClass(), metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create StorageClass/%s: %w", storageClassName, err)
	}
	return nil
}

// storageClassProblem says what is wrong with the default StorageClass
// ("" when nothing is): a cluster started by an older up has none.
func storageClassProblem(ctx context.Context, client kubernetes.Interface) string {
	class, err := client.StorageV1().StorageClasses().Get(ctx, storageClassName, metav1.GetOptions{})
	if err != nil {
		return fmt.Sprintf("StorageClass/%s: %v", storageClassName, err)
	}
	if !isDefaultClass(class) || class.Provisioner != provisionerName {
		return fmt.Sprintf("StorageClass/%s is not the default class of provisioner %s", storageClassName, provisionerName)
	}
	return ""
}

func isDefaultClass(class *storagev1.StorageClass) bool {
	return class.Annotations[defaultClassAnnotation] == "true" || class.Annotations[betaDefaultClassAnnotation] == "true"
}

// claimCheck proves the provisioner works: a claim of the default class
// becomes Bound and, once deleted, its PersistentVolume goes too.
type claimCheck struct {
	client kubernetes.Interface
	uid    types.UID // of the claim, once Bound and deleted
}

// step advances the check; it succeeds once the claim's volume is gone.
func (c *claimCheck) step(ctx context.Context) error {
	if c.uid != "" {
		pv, err := c.client.CoreV1().PersistentVolumes().Get(ctx, volumeName(c.uid), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("PersistentVolume/%s of a deleted claim not deleted yet (phase %s)", pv.Name, pv.Status.Phase)
	}
	claims := c.client.CoreV1().PersistentVolumeClaims(metav1.NamespaceDefault)
	claim, err := claims.Get(ctx, checkName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		claim, err = claims.Create(ctx, testClaim(), metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	if claim.Status.Phase != corev1.ClaimBound {
		return fmt.Errorf("PersistentVolumeClaim/default/%s is %s, not Bound yet", checkName, claim.Status.Phase)
	}
	err = claims.Delete(ctx, checkName, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &claim.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	c.uid = claim.UID
	return fmt.Errorf("PersistentVolume/%s of a deleted claim not deleted yet", volumeName(c.uid))
}

// testClaim requests a small volume of the default class, by leaving the
// class unset as most charts do.
func testClaim() *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: checkName},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Mi")},
			},
		},
	}
}
