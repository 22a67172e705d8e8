package release

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// NewConfigMaps returns release storage in ConfigMaps in namespace, for
// clusters where berth may not read Secrets. Payloads are kept in
// binaryData.
func NewConfigMaps(clients Clients, namespace string, opts ...Option) *KubeStore {
	return newKubeStore(configMapStore{clients.Kube.CoreV1().ConfigMaps(namespace)}, clients.Metadata, namespace, opts)
}

type configMapStore struct {
	client typedcorev1.ConfigMapInterface
}

func (configMapStore) kind() string { return "ConfigMap" }

func (configMapStore) resource() schema.GroupVersionResource {
	return corev1.SchemeGroupVersion.WithResource("configmaps")
}

func (s configMapStore) create(ctx context.Context, rec *record) (*record, error) {
	out, err := s.client.Create(ctx, toConfigMap(rec), metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return fromConfigMap(out), nil
}

func (s configMapStore) update(ctx context.Context, rec *record) (*record, error) {
	out, err := s.client.Update(ctx, toConfigMap(rec), metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return fromConfigMap(out), nil
}

func (s configMapStore) get(ctx context.Context, name string) (*record, error) {
	out, err := s.client.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return fromConfigMap(out), nil
}

func (s configMapStore) delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return s.client.Delete(ctx, name, opts)
}

func toConfigMap(rec *record) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: rec.meta,
		BinaryData: map[string][]byte{payloadKey: rec.payload},
	}
}

func fromConfigMap(c *corev1.ConfigMap) *record {
	return &record{meta: c.ObjectMeta, payload: c.BinaryData[payloadKey]}
}
