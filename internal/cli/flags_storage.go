package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/pkg/release"
)

// storageEnv names the environment variable that selects the release
// storage driver when --storage is not given, as HELM_DRIVER does for Helm;
// HELM_DRIVER itself is read when it is not set.
const (
	storageEnv     = "BERTH_STORAGE"
	helmStorageEnv = "HELM_DRIVER"
)

// storageFlags select where the release commands keep release records.
type storageFlags struct {
	driver string
}

// AddFlags adds --storage to fs.
func (s *storageFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.driver, "storage", "",
		"where release records are kept: "+strings.Join(release.Drivers, ", ")+
			` (default "`+release.DriverSecret+`", or $`+storageEnv+`, or $`+helmStorageEnv+`)`)
}

// name returns the driver --storage names, else $BERTH_STORAGE, else
// $HELM_DRIVER, else "" (the default, Secrets).
func (s *storageFlags) name() string {
	if s.driver != "" {
		return s.driver
	}
	if v := os.Getenv(storageEnv); v != "" {
		return v
	}
	return os.Getenv(helmStorageEnv)
}

// source says where the driver name came from, for errors.
func (s *storageFlags) source() string {
	switch {
	case s.driver != "":
		return "invalid --storage"
	case os.Getenv(storageEnv) != "":
		return "$" + storageEnv
	}
	return "$" + helmStorageEnv
}

// newStore returns the release storage of namespace ("" for every
// namespace) with the selected driver. An unknown driver is a usage error
// that says where the name came from.
func (s *storageFlags) newStore(clients release.Clients, namespace string) (release.Storage, error) {
	store, err := release.New(s.name(), clients, namespace)
	if err != nil {
		return nil, usageErrorf("%s: %w", s.source(), err)
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
