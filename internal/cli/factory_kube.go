package cli

import (
	"fmt"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
)

// KubeClient returns a kube.Client for the cluster the connection flags
// select. It reads the kubeconfig only when called.
func (f *Factory) KubeClient() (*kube.Client, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	c, err := kube.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to cluster: %w", err)
	}
	return c, nil
}

// ReleaseClients returns the clients of the release storage and lock.
func (f *Factory) ReleaseClients() (release.Clients, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return release.Clients{}, err
	}
	clients, err := release.NewClients(kube.RaisedRateLimits(cfg))
	if err != nil {
		return release.Clients{}, fmt.Errorf("connect to cluster: %w", err)
	}
	return clients, nil
}

// ReleaseStore returns the release storage of namespace with the driver
// --storage or $BERTH_STORAGE selects (Secrets by default); "" reads every
// namespace, for list -A.
func (f *Factory) ReleaseStore(namespace string) (release.Storage, error) {
	clients, err := f.ReleaseClients()
	if err != nil {
		return nil, err
	}
	return f.storage.newStore(clients, namespace)
}

// ActionConfig returns what actions need for releases of the selected
// namespace: the kube client, the storage and the lock.
func (f *Factory) ActionConfig() (*action.Configuration, error) {
	ns, err := f.Namespace()
	if err != nil {
		return nil, err
	}
	kc, err := f.KubeClient()
	if err != nil {
		return nil, err
	}
	clients, err := f.ReleaseClients()
	if err != nil {
		return nil, err
	}
	store, err := f.storage.newStore(clients, ns)
	if err != nil {
		return nil, err
	}
	return &action.Configuration{
		Namespace: ns,
		Kube:      kc,
		Store:     store,
		Locker:    release.NewLocker(clients.Kube, ns),
		Logger:    f.Logger(),
	}, nil
}
