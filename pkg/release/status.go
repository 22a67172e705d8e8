package release

// Status is where a release revision stands in its life cycle. The values
// and their spelling are Helm's, so that `list` and `history` read the same.
type Status string

// Release statuses.
const (
	// StatusUnknown is a revision whose state cannot be told.
	StatusUnknown Status = "unknown"
	// StatusDeployed is the revision currently running in the cluster.
	StatusDeployed Status = "deployed"
	// StatusUninstalled is a release that was uninstalled with its history
	// kept.
	StatusUninstalled Status = "uninstalled"
	// StatusSuperseded is a revision replaced by a later one.
	StatusSuperseded Status = "superseded"
	// StatusFailed is a revision whose install, upgrade or rollback failed.
	StatusFailed Status = "failed"
	// StatusUninstalling is a release being uninstalled.
	StatusUninstalling Status = "uninstalling"
	// StatusPendingInstall is a revision recorded before its first install
	// touched the cluster.
	StatusPendingInstall Status = "pending-install"
	// StatusPendingUpgrade is a revision recorded before its upgrade touched
	// the cluster.
	StatusPendingUpgrade Status = "pending-upgrade"
	// StatusPendingRollback is a revision recorded before its rollback
	// touched the cluster.
	StatusPendingRollback Status = "pending-rollback"
)

// Statuses lists every known status, in Helm's order.
var Statuses = []Status{
	StatusUnknown, StatusDeployed, StatusUninstalled, StatusSuperseded,
	StatusFailed, StatusUninstalling, StatusPendingInstall,
	StatusPendingUpgrade, StatusPendingRollback,
}

// String returns the status as stored and shown.
func (s Status) String() string { return string(s) }

// IsPending reports whether an install, upgrade or rollback of the
// revision is in progress (or was interrupted): pending-install,
// pending-upgrade or pending-rollback, as Helm counts them.
func (s Status) IsPending() bool {
	switch s {
	case StatusPendingInstall, StatusPendingUpgrade, StatusPendingRollback:
		return true
	}
	return false
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	for _, known := range Statuses {
		if s == known {
			return true
		}
	}
	return false
}
