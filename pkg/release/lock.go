package release

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcoordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/utils/clock"
)

// Lock errors, checked with errors.Is.
var (
	// ErrLocked means another client holds the release lock; the error is
	// a *LockedError naming it.
	ErrLocked = errors.New("release is locked")
	// ErrNotHolder means a lock is no longer held by whoever tries to
	// release or renew it: it expired and was taken over.
	ErrNotHolder = errors.New("lock is held by someone else")
)

// LockPrefix starts the name of every release lock Lease:
// berth.lock.<release name>.
const LockPrefix = "berth.lock."

// DefaultLeaseDuration is how long a lock stays valid without renewal. A
// holder renews it every third of that while it runs.
const DefaultLeaseDuration = 30 * time.Second

// LockName is the name of the Lease locking a release.
func LockName(name string) string { return LockPrefix + name }

// Locker takes per-release locks: one coordination.k8s.io/v1 Lease per
// release, in the release's namespace, so that two clients never change a
// release at once. A lock whose holder stopped renewing it (the client
// died) expires and is taken over.
type Locker struct {
	leases    typedcoordinationv1.LeaseInterface
	namespace string
	identity  string
	duration  time.Duration
	clock     clock.WithTicker
}

// LockerOption configures a Locker.
type LockerOption func(*Locker)

// WithIdentity sets the holder identity written to Leases (default
// hostname/pid/random).
func WithIdentity(id string) LockerOption {
	return func(l *Locker) { l.identity = id }
}

// WithLeaseDuration sets how long a lock stays valid without renewal, in
// whole seconds (as a Lease stores it), at least one.
func WithLeaseDuration(d time.Duration) LockerOption {
	return func(l *Locker) { l.duration = max(d.Truncate(time.Second), time.Second) }
}

// WithLockClock sets the clock that times renewals, expiry and waits.
func WithLockClock(c clock.WithTicker) LockerOption {
	return func(l *Locker) { l.clock = c }
}

// NewLocker returns a Locker for releases in namespace.
func NewLocker(kube kubernetes.Interface, namespace string, opts ...LockerOption) *Locker {
	l := &Locker{
		leases:    kube.CoordinationV1().Leases(namespace),
		namespace: namespace,
		identity:  defaultIdentity(),
		duration:  DefaultLeaseDuration,
		clock:     clock.RealClock{},
	}
	for _, opt := range opts {
		opt(l)
	}
	return l
}

// Identity is the holder identity this Locker writes to Leases.
func (l *Locker) Identity() string { return l.identity }

// defaultIdentity is hostname/pid/random: unique per process, and telling
// a human where the holder runs.
func defaultIdentity() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// LockedError is the error of an Acquire that timed out: who holds the
// lock and since when.
type LockedError struct {
	// Lease names the Lease: Lease/namespace/name.
	Lease string
	// Holder is the holder identity of the Lease.
	Holder string
	// Since is when the holder acquired the lock.
	Since time.Time
	// Waited is how long Acquire waited.
	Waited time.Duration
}

// Error says who holds the lock, since when and how long Acquire waited.
func (e *LockedError) Error() string {
	return fmt.Sprintf("%s: release is locked by %s since %s (waited %s); another berth command is changing it",
		e.Lease, e.Holder, e.Since.UTC().Format(time.RFC3339), e.Waited)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// StaleHolder describes a holder whose lock expired and was taken over.
type StaleHolder struct {
	Holder string
	// Since is when it acquired the lock; RenewedAt when it last renewed.
	Since, RenewedAt time.Time
}

func (l *Locker) describe(name string) string {
	return "Lease/" + l.namespace + "/" + LockName(name)
}

// expired reports whether a Lease is free to take: released, or not
// renewed within its duration.
func (l *Locker) expired(lease *coordinationv1.Lease) bool {
	spec := lease.Spec
	if spec.HolderIdentity == nil || *spec.HolderIdentity == "" {
		return true
	}
	return !l.clock.Now().Before(expiry(lease))
}

// expiry is when a held Lease expires unless renewed.
func expiry(lease *coordinationv1.Lease) time.Time {
	spec := lease.Spec
	last := lease.CreationTimestamp.Time
	if spec.AcquireTime != nil {
		last = spec.AcquireTime.Time
	}
	if spec.RenewTime != nil {
		last = spec.RenewTime.Time
	}
	var seconds int32
	if spec.LeaseDurationSeconds != nil {
		seconds = *spec.LeaseDurationSeconds
	}
	return last.Add(time.Duration(seconds) * time.Second)
}

func holderOf(lease *coordinationv1.Lease) string {
	if lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

func timeOf(t *metav1.MicroTime) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}
