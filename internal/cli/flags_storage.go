package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/release"
)

// storageEnv names the environment variable that selects the release
// storage driver when --storage is not given, as HELM_DRIVER does for Helm.
const storageEnv = "BERTH_STORAGE"

// storageFlags select where the release commands keep release records.
type storageFlags struct {
	driver string
}

// AddFlags adds --storage to fs.
func (s *storageFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.driver, "storage", "",
		"where release records are kept: "+strings.Join(release.Drivers, ", ")+
			` (default "`+release.DriverSecret+`", or $`+storageEnv+`)`)
}

// name returns the driver --storage names, else $BERTH_STORAGE, else ""
// (the default, Secrets).
func (s *storageFlags) name() string {
	if s.driver != "" {
		return s.driver
	}
	return os.Getenv(storageEnv)
}

// newStore returns the release storage of namespace ("" for every
// namespace) with the selected driver. An unknown driver is a usage error
// that says where the name came from.
func (s *storageFlags) newStore(clients release.Clients, namespace string) (release.Storage, error) {
	store, err := release.New(s.name(), clients, namespace)
	if err != nil {
		if s.driver == "" {
			return nil, usageErrorf("$%s: %w", storageEnv, err)
		}
		return nil, usageErrorf("invalid --storage: %w", err)
	}
	return store, nil
}

// resource is the API resource the selected driver keeps records in, for
// messages about permissions.
func (s *storageFlags) resource() string {
	if strings.HasPrefix(strings.ToLower(s.name()), release.DriverConfigMap) {
		return "configmaps"
	}
	return "secrets"
}
