package release

import (
	"fmt"
	"strings"
)

// Storage driver names, as --storage (and Helm's HELM_DRIVER) spells them.
const (
	DriverSecret    = "secret"
	DriverConfigMap = "configmap"
	DriverMemory    = "memory"
)

// Drivers lists the driver names New accepts, default first.
var Drivers = []string{DriverSecret, DriverConfigMap, DriverMemory}

// New returns the storage driver named driver for releases in namespace:
// "secret" (the default when driver is ""), "configmap" or "memory"; the
// plural forms Helm accepts are accepted too. Options apply to the
// Kubernetes drivers.
func New(driver string, clients Clients, namespace string, opts ...Option) (Storage, error) {
	switch strings.ToLower(driver) {
	case "", DriverSecret, "secrets":
		return NewSecrets(clients, namespace, opts...), nil
	case DriverConfigMap, "configmaps":
		return NewConfigMaps(clients, namespace, opts...), nil
	case DriverMemory:
		return NewMemory(namespace), nil
	}
	return nil, fmt.Errorf("unknown release storage driver %q: use one of %s", driver, strings.Join(Drivers, ", "))
}
