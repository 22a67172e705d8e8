package release

import (
	"context"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
)

// Clients are the Kubernetes clients the Secret and ConfigMap drivers use:
// typed clients to read and write records, the metadata client to list
// them without their payloads.
type Clients struct {
	Kube     kubernetes.Interface
	Metadata metadata.Interface
}

// NewClients builds Clients for a cluster.
func NewClients(cfg *rest.Config) (Clients, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("create Kubernetes client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("create metadata client: %w", err)
	}
	return Clients{Kube: kube, Metadata: meta}, nil
}

// DefaultChunkSize is the largest payload one record holds; larger ones are
// split into chunk records of this size. Secrets and ConfigMaps hold at
// most 1 MiB of data; the margin leaves room for the rest of the object.
const DefaultChunkSize = 960 << 10

// DefaultGCGrace is how old an orphan chunk must be before GarbageCollect
// deletes it, so that it never races with a write in progress.
const DefaultGCGrace = 10 * time.Minute

// Option configures a Secret or ConfigMap driver.
type Option func(*KubeStore)

// WithChunkSize sets the largest payload one record holds (tests use small
// sizes to exercise chunking); sizes below 1 are ignored.
func WithChunkSize(n int) Option {
	return func(s *KubeStore) {
		if n > 0 {
			s.chunkSize = n
		}
	}
}

// WithClock sets the clock GarbageCollect measures chunk ages with.
func WithClock(c clock.PassiveClock) Option {
	return func(s *KubeStore) { s.clock = c }
}

// WithGCGrace sets how old an orphan chunk must be before GarbageCollect
// deletes it.
func WithGCGrace(d time.Duration) Option {
	return func(s *KubeStore) { s.gcGrace = d }
}

// KubeStore is the Storage of releases in Kubernetes objects of one
// namespace: Secrets (NewSecrets, the default) or ConfigMaps
// (NewConfigMaps). Each revision is one record named by RecordName holding
// the gzipped JSON release; a payload larger than the chunk size is split
// into chunk records written before the record that points to them, so that
// a reader never sees a partial release.
type KubeStore struct {
	objects   objectStore
	meta      metadata.Interface
	namespace string
	chunkSize int
	gcGrace   time.Duration
	clock     clock.PassiveClock
}

var _ Storage = (*KubeStore)(nil)

func newKubeStore(objects objectStore, meta metadata.Interface, namespace string, opts []Option) *KubeStore {
	s := &KubeStore{
		objects:   objects,
		meta:      meta,
		namespace: namespace,
		chunkSize: DefaultChunkSize,
		gcGrace:   DefaultGCGrace,
		clock:     clock.RealClock{},
	}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Namespace is where the store keeps its records.
func (s *KubeStore) Namespace() string { return s.namespace }

// record is a stored object: its metadata and the payload bytes it holds.
type record struct {
	meta    metav1.ObjectMeta
	payload []byte
}

// objectStore reads and writes records as one kind of object.
type objectStore interface {
	kind() string
	resource() schema.GroupVersionResource
	create(ctx context.Context, rec *record) (*record, error)
	// update replaces the object if it still has rec.meta.ResourceVersion
	// (any version when empty).
	update(ctx context.Context, rec *record) (*record, error)
	get(ctx context.Context, name string) (*record, error)
	delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// describe names an object as errors do: Kind/namespace/name.
func (s *KubeStore) describe(name string) string {
	return s.objects.kind() + "/" + s.namespace + "/" + name
}

// apiError turns an API error about object name into one wrapping our
// sentinel errors.
func (s *KubeStore) apiError(op, name string, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s %s: %w", op, s.describe(name), ErrNotFound)
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("%s %s: %w", op, s.describe(name), ErrExists)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s %s: %w: %w", op, s.describe(name), ErrConflict, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.describe(name), err)
}

// listMeta lists the metadata of the records matching selector, without
// their payloads.
func (s *KubeStore) listMeta(ctx context.Context, selector labels.Selector) ([]metav1.PartialObjectMetadata, error) {
	list, err := s.meta.Resource(s.objects.resource()).Namespace(s.namespace).
		List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list %s in namespace %q (%s): %w", s.objects.kind(), s.namespace, selector, err)
	}
	return list.Items, nil
}

// selector selects berth's records of the namespace, heads (chunk false)
// or chunks, narrowed by more label values.
func selector(chunk bool, more labels.Set) (labels.Selector, error) {
	set := labels.Set{LabelOwner: OwnerBerth}
	maps.Copy(set, more)
	sel, err := labels.ValidatedSelectorFromSet(set)
	if err != nil {
		return nil, fmt.Errorf("select records: %w", err)
	}
	op := selection.DoesNotExist
	if chunk {
		op = selection.Exists
	}
	req, err := labels.NewRequirement(LabelChunk, op, nil)
	if err != nil {
		return nil, fmt.Errorf("select records: %w", err)
	}
	return sel.Add(*req), nil
}
