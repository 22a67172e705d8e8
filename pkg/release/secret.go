package release

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// Secret types of berth's records, so that they are told apart from other
// Secrets (`kubectl get secrets --field-selector type=berth.sh/release.v1`).
const (
	SecretType      corev1.SecretType = "berth.sh/release.v1"       //nolint:gosec // a type name, not a credential
	SecretChunkType corev1.SecretType = "berth.sh/release-chunk.v1" //nolint:gosec // a type name, not a credential
)

// payloadKey is the data key holding a record's payload.
const payloadKey = "release"

// NewSecrets returns the default release storage: Secrets in namespace.
func NewSecrets(clients Clients, namespace string, opts ...Option) *KubeStore {
	return newKubeStore(secretStore{clients.Kube.CoreV1().Secrets(namespace)}, clients.Metadata, namespace, opts)
}

type secretStore struct {
	client typedcorev1.SecretInterface
}

func (secretStore) kind() string { return "Secret" }

func (secretStore) resource() schema.GroupVersionResource {
	return corev1.SchemeGroupVersion.WithResource("secrets")
}

func (s secretStore) create(ctx context.Context, rec *record) (*record, error) {
	out, err := s.client.Create(ctx, toSecret(rec), metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return fromSecret(out), nil
}

func (s secretStore) update(ctx context.Context, rec *record) (*record, error) {
	out, err := s.client.Update(ctx, toSecret(rec), metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return fromSecret(out), nil
}

func (s secretStore) get(ctx context.Context, name string) (*record, error) {
	out, err := s.client.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return fromSecret(out), nil
}

func (s secretStore) delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return s.client.Delete(ctx, name, opts)
}

func toSecret(rec *record) *corev1.Secret {
	secretType := SecretType
	if _, ok := rec.meta.Labels[LabelChunk]; ok {
		secretType = SecretChunkType
	}
	return &corev1.Secret{
		ObjectMeta: rec.meta,
		Type:       secretType,
		Data:       map[string][]byte{payloadKey: rec.payload},
	}
}

func fromSecret(s *corev1.Secret) *record {
	return &record{meta: s.ObjectMeta, payload: s.Data[payloadKey]}
}
