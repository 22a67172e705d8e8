package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Annotations berth reads and writes on the objects it manages.
const (
	// AnnotationReleaseName holds the name of the release owning the object.
	AnnotationReleaseName = "meta.berth.sh/release-name"
	// AnnotationReleaseNamespace holds the namespace of that release.
	AnnotationReleaseNamespace = "meta.berth.sh/release-namespace"
	// AnnotationResourcePolicy is Helm's resource policy annotation; with the
	// value ResourcePolicyKeep, prune and uninstall leave the object alone.
	AnnotationResourcePolicy = "helm.sh/resource-policy"
	// ResourcePolicyKeep is the resource policy that keeps an object.
	ResourcePolicyKeep = "keep"
)

// Owner is the release an object belongs to. The zero Owner disables
// stamping and ownership checks.
type Owner struct {
	Name      string
	Namespace string
}

// IsZero reports whether o names no release.
func (o Owner) IsZero() bool { return o.Name == "" }

// String returns namespace/name.
func (o Owner) String() string { return o.Namespace + "/" + o.Name }

// ownerOf reads the release annotations of obj; ok is false when obj has no
// release name annotation.
func ownerOf(obj *unstructured.Unstructured) (owner Owner, ok bool) {
	a := obj.GetAnnotations()
	owner = Owner{Name: a[AnnotationReleaseName], Namespace: a[AnnotationReleaseNamespace]}
	return owner, owner.Name != ""
}

// stamp writes o's annotations into obj.
func (o Owner) stamp(obj *unstructured.Unstructured) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[AnnotationReleaseName] = o.Name
	a[AnnotationReleaseNamespace] = o.Namespace
	obj.SetAnnotations(a)
}

// NotOwnedError reports an existing object that belongs to no release, or
// to another one. It matches ErrNotOwned.
type NotOwnedError struct {
	// Owner is the object's current owner, zero when it has none.
	Owner Owner
	// Want is the release that wanted the object.
	Want Owner
}

// Error names the current owner and the hint to adopt the object.
func (e *NotOwnedError) Error() string {
	if e.Owner.IsZero() {
		return fmt.Sprintf("exists and is not managed by berth (no %s annotation); "+
			"use --take-ownership to adopt it into release %s", AnnotationReleaseName, e.Want)
	}
	return fmt.Sprintf("exists and belongs to release %s, not %s; use --take-ownership to adopt it",
		e.Owner, e.Want)
}

// Is reports whether target is ErrNotOwned.
func (e *NotOwnedError) Is(target error) bool { return target == ErrNotOwned }

// checkOwner returns a NotOwnedError when live exists and does not belong
// to want. A zero want accepts any object.
func checkOwner(live *unstructured.Unstructured, want Owner) error {
	if live == nil || want.IsZero() {
		return nil
	}
	if got, _ := ownerOf(live); got != want {
		return &NotOwnedError{Owner: got, Want: want}
	}
	return nil
}

// keepPolicy reports whether live asks to be kept by prune and uninstall;
// like Helm, the value is compared trimmed and in lower case.
func keepPolicy(live *unstructured.Unstructured) bool {
	policy := live.GetAnnotations()[AnnotationResourcePolicy]
	return strings.ToLower(strings.TrimSpace(policy)) == ResourcePolicyKeep
}
