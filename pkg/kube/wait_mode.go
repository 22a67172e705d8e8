package kube

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// AnnotationWait tells Wait how to await one object; its values are the
// WaitMode constants. It is read from the manifest berth applies.
const AnnotationWait = "berth.sh/wait"

// WaitMode is how Wait awaits one object (AnnotationWait).
type WaitMode string

// The values of AnnotationWait.
const (
	// WaitDefault (no annotation): ready by its status; a custom resource
	// whose controller never writes a status counts ready after the grace.
	WaitDefault WaitMode = ""
	// WaitReady: ready only once its status says so. A custom resource is
	// never counted ready without a status, however long it takes.
	WaitReady WaitMode = "ready"
	// WaitExists: ready as soon as it exists; its status is not read.
	WaitExists WaitMode = "exists"
	// WaitNone: not awaited at all.
	WaitNone WaitMode = "none"
)

// DefaultStatusGrace is how long Wait waits for a first status of a custom
// resource when nothing shows that a controller writes the status of its
// kind (WaitOptions.StatusGrace).
const DefaultStatusGrace = 20 * time.Second

// statusEvidenceLimit bounds the objects of a kind read to learn whether
// any carries a status.
const statusEvidenceLimit = 100

// waitModeOf reads AnnotationWait of obj, refusing unknown values.
func waitModeOf(obj *unstructured.Unstructured) (WaitMode, error) {
	value, ok := obj.GetAnnotations()[AnnotationWait]
	if !ok {
		return WaitDefault, nil
	}
	switch mode := WaitMode(value); mode {
	case WaitReady, WaitExists, WaitNone:
		return mode, nil
	}
	return WaitDefault, fmt.Errorf("annotation %s: %q is not one of ready, exists, none", AnnotationWait, value)
}

// statusExpectation is what Wait expects of an object's status.
type statusExpectation int

const (
	// statusAsIs: kstatus decides from whatever status the object has
	// (built-in kinds, custom resources without a status subresource).
	statusAsIs statusExpectation = iota
	// statusWithinGrace: a custom resource with a status subresource of a
	// kind no object of which carries a status: awaited for a first status
	// only for the grace.
	statusWithinGrace
	// statusRequired: a custom resource not ready before it has a status.
	statusRequired
)

// kindStatus is what the cluster says of the status of one resource's
// objects.
type kindStatus struct {
	// custom: defined by a CustomResourceDefinition.
	custom bool
	// subresource: its definition has a status subresource.
	subresource bool
	// seen: some object of the resource carries a status, so a controller
	// writes them.
	seen bool
}

// expectation returns what to expect of the status of an object of a
// resource in k, awaited in mode; forced says --wait-for-status names its
// kind.
func (k kindStatus) expectation(mode WaitMode, forced bool) statusExpectation {
	switch {
	case k.custom && (mode == WaitReady || forced):
		return statusRequired
	case !k.subresource:
		return statusAsIs
	case k.seen:
		return statusRequired
	}
	return statusWithinGrace
}

// kindStatusOf learns from the cluster whether the objects of mapping's
// resource have a status: from its CustomResourceDefinition and, when the
// definition has a status subresource and learn is set, from whether any
// live object of it (in any namespace, or in namespace when that is
// forbidden) carries one.
func (c *Client) kindStatusOf(ctx context.Context, mapping *meta.RESTMapping, namespace string, learn bool) kindStatus {
	res := mapping.Resource
	if !strings.Contains(res.Group, ".") {
		return kindStatus{} // core, apps, batch, ...: not a custom resource
	}
	crd, err := c.dynamic.Resource(crdResource).Get(ctx, res.Resource+"."+res.Group, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return kindStatus{}
	case err != nil:
		// Unreadable definition: a group outside Kubernetes' own is
		// assumed to be a custom resource with a status subresource.
		custom := !strings.HasSuffix(res.Group, ".k8s.io")
		return kindStatus{custom: custom, subresource: custom, seen: learn && custom && c.statusSeen(ctx, mapping, namespace)}
	}
	k := kindStatus{custom: true, subresource: versionHasStatus(crd, res.Version)}
	k.seen = learn && k.subresource && c.statusSeen(ctx, mapping, namespace)
	return k
}

// versionHasStatus reports whether version of crd has a status subresource.
func versionHasStatus(crd *unstructured.Unstructured, version string) bool {
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		def, _ := v.(map[string]any)
		if def["name"] != version {
			continue
		}
		subresources, _ := def["subresources"].(map[string]any)
		_, ok := subresources["status"]
		return ok
	}
	return false
}

// statusSeen reports whether any of the first objects of mapping's
// resource carries a status. An error reading them counts as none seen:
// the objects then get the grace.
func (c *Client) statusSeen(ctx context.Context, mapping *meta.RESTMapping, namespace string) bool {
	opts := metav1.ListOptions{Limit: statusEvidenceLimit}
	list, err := c.dynamic.Resource(mapping.Resource).List(ctx, opts)
	if apierrors.IsForbidden(err) && namespaced(mapping) && namespace != "" {
		list, err = c.dynamic.Resource(mapping.Resource).Namespace(namespace).List(ctx, opts)
	}
	if err != nil {
		return false
	}
	for i := range list.Items {
		if hasStatus(&list.Items[i]) {
			return true
		}
	}
	return false
}

// hasStatus reports whether obj carries a non-empty status.
func hasStatus(obj *unstructured.Unstructured) bool {
	status, _, _ := unstructured.NestedMap(obj.Object, "status")
	return len(status) > 0
}

// forcesStatus reports whether kinds (--wait-for-status) name gk: by kind,
// case-insensitively, and by group when one is given.
func forcesStatus(kinds []schema.GroupKind, gk schema.GroupKind) bool {
	for _, k := range kinds {
		if strings.EqualFold(k.Kind, gk.Kind) && (k.Group == "" || strings.EqualFold(k.Group, gk.Group)) {
			return true
		}
	}
	return false
}

// oldWithoutStatus reports whether obj has existed for grace or longer at
// now without ever getting a status, so that no controller writes its
// status. now is the later of the local clock and obj's last write (the
// latest time in its managed fields, stamped by the API server), so that a
// local clock running behind does not delay it. The API server stamps
// creation in whole seconds, so a second is added to the grace.
func oldWithoutStatus(obj *unstructured.Unstructured, grace time.Duration, now time.Time) bool {
	created := obj.GetCreationTimestamp()
	if created.IsZero() || hasStatus(obj) {
		return false
	}
	for _, f := range obj.GetManagedFields() {
		if f.Time != nil && f.Time.After(now) {
			now = f.Time.Time
		}
	}
	return now.Sub(created.Time) >= grace+time.Second
}
