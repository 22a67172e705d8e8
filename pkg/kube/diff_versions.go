package kube

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceVersions reads the resourceVersion of each of refs, "" for an
// object that does not exist or whose kind the cluster does not serve. The
// refs' namespaces are defaulted to namespace for namespaced kinds; the
// result is in the order of refs. Plans record these to notice objects
// that changed since they were made.
func (c *Client) ResourceVersions(ctx context.Context, refs []ObjectRef, namespace string) ([]string, error) {
	items := c.resolveRefs(refs, namespace)
	versions := make([]string, len(items))
	err := forEach(ctx, indexes(len(items)), DefaultConcurrency, func(ctx context.Context, i int) error {
		it := items[i]
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
		versions[i] = live.GetResourceVersion()
		return nil
	})
	return versions, err
}
