package kube

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ObjectVersion is the resourceVersion of one object.
type ObjectVersion struct {
	// Ref is the object, namespace defaulted for namespaced kinds.
	Ref ObjectRef
	// ResourceVersion is "" when the object does not exist.
	ResourceVersion string
}

// ResourceVersions reads the resourceVersion of each of refs, "" for an
// object that does not exist or whose kind the cluster does not serve. The
// refs' namespaces are defaulted to namespace for namespaced kinds; the
// result is in the order of refs. Plans record these to notice objects
// that changed since they were made.
func (c *Client) ResourceVersions(ctx context.Context, refs []ObjectRef, namespace string) ([]ObjectVersion, error) {
	items := c.resolveRefs(refs, namespace)
	versions := make([]ObjectVersion, len(items))
	err := forEach(ctx, indexes(len(items)), DefaultConcurrency, func(ctx context.Context, i int) error {
		it := items[i]
		versions[i].Ref = it.ref
		if it.resolveErr != nil {
			return objectError(it.ref, "resolve kind", it.resolveErr)
		}
		if it.mapping == nil {
			return nil
		}
		live, err := c.resource(it.mapping, it.ref.Namespace).Get(ctx, it.ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return objectError(it.ref, "read", err)
		}
		versions[i].ResourceVersion = live.GetResourceVersion()
		return nil
	})
	return versions, err
}
