package action

import (
	"errors"
	"log/slog"
	"time"

	"github.com/berth-sh/berth/pkg/kube"
	"github.com/berth-sh/berth/pkg/release"
	"github.com/berth-sh/berth/pkg/render"
)

// DefaultMaxHistory is how many revisions of a release are kept when the
// options do not say (--max-history).
const DefaultMaxHistory = 10

// DefaultLockTimeout is how long an action waits for another client's lock
// on the release when the options do not say (--lock-timeout).
const DefaultLockTimeout = 5 * time.Minute

// Configuration is what every action needs: the namespace of the release,
// the cluster client, the release storage and lock. Each action uses only
// what it needs; a client dry run needs none of the cluster parts.
type Configuration struct {
	// Namespace is the namespace of the release and its records.
	Namespace string
	// Kube applies, prunes and deletes the release's objects.
	Kube *kube.Client
	// Store keeps the release's revisions.
	Store release.Storage
	// Locker takes the release's lock.
	Locker *release.Locker
	// Capabilities are what templates see of the cluster; nil means the
	// cluster's own, read through Kube (render.DefaultCapabilities without
	// Kube). Set after the first render.
	Capabilities *render.Capabilities
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Progress receives the events of an operation as they happen; nil
	// discards them. It may be called from several goroutines at once.
	Progress func(Event)
}

func (c *Configuration) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Configuration) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Configuration) owner(name string) kube.Owner {
	return kube.Owner{Name: name, Namespace: c.Namespace}
}

// DryRun says whether and how an action only pretends.
type DryRun string

// Dry run modes, as --dry-run spells them.
const (
	// DryRunNone changes the cluster and records the release.
	DryRunNone DryRun = ""
	// DryRunClient renders only: neither the cluster nor the storage is
	// touched.
	DryRunClient DryRun = "client"
	// DryRunServer renders and applies with server-side dry run: the API
	// server validates and reports, nothing is persisted or recorded.
	DryRunServer DryRun = "server"
)

// Errors of the actions, checked with errors.Is.
var (
	// ErrReleaseExists means install found a release of that name that is
	// deployed or in progress.
	ErrReleaseExists = errors.New("release already exists")
	// ErrNothingToRollback means the release has no earlier revision.
	ErrNothingToRollback = errors.New("no revision to roll back to")
	// ErrUninstalled means the release was uninstalled already.
	ErrUninstalled = errors.New("release is uninstalled")
)

// Descriptions recorded on successful revisions.
const (
	descInstall   = "Install complete"
	descUpgrade   = "Upgrade complete"
	descUninstall = "Uninstallation complete"
	descDryRun    = "Dry run complete"
)
