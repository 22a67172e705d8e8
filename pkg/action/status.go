package action

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// Live states of an object of a release.
const (
	// LiveOK means the object exists and belongs to the release.
	LiveOK = "ok"
	// LiveMissing means the object does not exist.
	LiveMissing = "missing"
	// LiveNotOwned means the object exists but belongs to no release or
	// to another one.
	LiveNotOwned = "not-owned"
	// LiveDeleting means the object is being deleted.
	LiveDeleting = "deleting"
	// LiveUnknownKind means the API server does not serve the kind.
	LiveUnknownKind = "unknown-kind"
)

// ObjectState is the live state of one object of a release's manifest.
type ObjectState struct {
	Ref kube.ObjectRef
	// State is one of the Live constants.
	State string
}

// LiveState reads each object of rel's manifest from the cluster and says
// whether it exists and belongs to the release. It reads with dyn and
// resolves kinds with cfg.Kube's RESTMapper.
func LiveState(ctx context.Context, cfg *Configuration, dyn dynamic.Interface, rel *release.Release) ([]ObjectState, error) {
	refs, err := manifestRefs(fmt.Sprintf("release %q revision %d", rel.Name, rel.Revision), rel.Manifest)
	if err != nil {
		return nil, err
	}
	mapper := cfg.Kube.RESTMapper()
	states := make([]ObjectState, 0, len(refs))
	for _, ref := range refs {
		state, err := liveStateOf(ctx, mapper, dyn, ref, rel)
		if err != nil {
			return states, err
		}
		states = append(states, state)
	}
	return states, nil
}

func liveStateOf(ctx context.Context, mapper meta.RESTMapper, dyn dynamic.Interface, ref kube.ObjectRef,
	rel *release.Release,
) (ObjectState, error) {
	mapping, err := mapper.RESTMapping(ref.GroupKind(), ref.Version)
	if meta.IsNoMatchError(err) {
		return ObjectState{Ref: ref, State: LiveUnknownKind}, nil
	}
	if err != nil {
		return ObjectState{}, fmt.Errorf("%s: resolve kind: %w", ref, err)
	}
	var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if ref.Namespace == "" {
			ref.Namespace = rel.Namespace
		}
		ri = dyn.Resource(mapping.Resource).Namespace(ref.Namespace)
	}
	obj, err := ri.Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ObjectState{Ref: ref, State: LiveMissing}, nil
	}
	if err != nil {
		return ObjectState{}, fmt.Errorf("%s: read: %w", ref, err)
	}
	ann := obj.GetAnnotations()
	switch {
	case obj.GetDeletionTimestamp() != nil:
		return ObjectState{Ref: ref, State: LiveDeleting}, nil
	case ann[kube.AnnotationReleaseName] != rel.Name || ann[kube.AnnotationReleaseNamespace] != rel.Namespace:
		return ObjectState{Ref: ref, State: LiveNotOwned}, nil
	}
	return ObjectState{Ref: ref, State: LiveOK}, nil
}
