package release

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-sh/berth/internal/testenv"
)

func newTestLocker(kube kubernetes.Interface, ns, id string, clk clock.WithTicker) *Locker {
	return NewLocker(kube, ns, WithIdentity(id), WithLeaseDuration(30*time.Second), WithLockClock(clk))
}

// waitForWaiters returns once something waits on clk: an Acquire that is
// waiting for the lock to be released or to expire.
func waitForWaiters(t *testing.T, clk *testingclock.FakeClock) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !clk.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("nothing waits on the clock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type acquireResult struct {
	lock *Lock
	err  error
}

// acquireAsync runs Acquire in the background.
func acquireAsync(ctx context.Context, l *Locker, name string, timeout time.Duration) <-chan acquireResult {
	ch := make(chan acquireResult, 1)
	go func() {
		lock, err := l.Acquire(ctx, name, timeout)
		ch <- acquireResult{lock, err}
	}()
	return ch
}

func getLease(t *testing.T, kube kubernetes.Interface, ns, name string) *coordinationv1.Lease {
	t.Helper()
	lease, err := kube.CoordinationV1().Leases(ns).Get(t.Context(), LockName(name), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get lease: %v", err)
	}
	return lease
}

// now is a start time the Lease's microsecond timestamps keep exactly.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func TestLockContention(t *testing.T) {
	ns := testenv.Namespace(t)
	kube := testClients(t).Kube
	start := now()
	clkA, clkB := testingclock.NewFakeClock(start), testingclock.NewFakeClock(start)
	a := newTestLocker(kube, ns, "host-a/1/aa", clkA)
	b := newTestLocker(kube, ns, "host-b/2/bb", clkB)

	lockA, err := a.Acquire(t.Context(), "web", 0)
	if err != nil {
		t.Fatalf("A Acquire: %v", err)
	}
	if lockA.TookOver != nil {
		t.Errorf("A took over %+v from a free lock", lockA.TookOver)
	}
	lease := getLease(t, kube, ns, "web")
	wantSpec := coordinationv1.LeaseSpec{
		HolderIdentity:       ptr.To("host-a/1/aa"),
		LeaseDurationSeconds: ptr.To[int32](30),
		AcquireTime:          ptr.To(metav1.NewMicroTime(start)),
		RenewTime:            ptr.To(metav1.NewMicroTime(start)),
	}
	if diff := cmp.Diff(wantSpec, lease.Spec); diff != "" {
		t.Errorf("lease spec (-want +got):\n%s", diff)
	}

	_, err = b.Acquire(t.Context(), "web", 0)
	want := &LockedError{Lease: "Lease/" + ns + "/berth.lock.web", Holder: "host-a/1/aa", Since: start}
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) {
		t.Fatalf("B Acquire without waiting: got %v, want a LockedError", err)
	}
	if diff := cmp.Diff(want, locked); diff != "" {
		t.Errorf("LockedError (-want +got):\n%s", diff)
	}
	if msg := err.Error(); !strings.Contains(msg, "locked by host-a/1/aa since "+start.Format(time.RFC3339)) {
		t.Errorf("error %q does not say who holds the lock since when", msg)
	}

	waiting := acquireAsync(t.Context(), b, "web", 10*time.Second)
	waitForWaiters(t, clkB)
	clkB.Step(10 * time.Second)
	res := <-waiting
	if !errors.As(res.err, &locked) || locked.Waited != 10*time.Second {
		t.Errorf("B Acquire with timeout: got %v, want a LockedError after waiting 10s", res.err)
	}

	// A releases while B waits: B gets the lock from the watch, without
	// any clock moving.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	waiting = acquireAsync(ctx, b, "web", time.Minute)
	waitForWaiters(t, clkB)
	if err := lockA.Release(t.Context()); err != nil {
		t.Fatalf("A Release: %v", err)
	}
	res = <-waiting
	if res.err != nil {
		t.Fatalf("B Acquire after A released: %v", res.err)
	}
	if got := ptr.Deref(getLease(t, kube, ns, "web").Spec.HolderIdentity, ""); got != "host-b/2/bb" {
		t.Errorf("holder = %q, want host-b/2/bb", got)
	}
	if err := res.lock.Release(t.Context()); err != nil {
		t.Fatalf("B Release: %v", err)
	}
	_, err = kube.CoordinationV1().Leases(ns).Get(t.Context(), LockName("web"), metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("lease after release: got %v, want it deleted", err)
	}
}

// TestLockTakeOver lets the holder stop renewing: after the lease duration
// another client takes the lock over and says so, the old holder learns it
// lost the lock and may not release it.
func TestLockTakeOver(t *testing.T) {
	ns := testenv.Namespace(t)
	kube := testClients(t).Kube
	start := now()
	clkA, clkB := testingclock.NewFakeClock(start), testingclock.NewFakeClock(start)
	a := newTestLocker(kube, ns, "host-a/1/aa", clkA)
	b := newTestLocker(kube, ns, "host-b/2/bb", clkB)
	lockA, err := a.Acquire(t.Context(), "web", 0)
	if err != nil {
		t.Fatal(err)
	}

	// A's clock stands still: it never renews. B waits until the lease
	// expires on its clock.
	waiting := acquireAsync(t.Context(), b, "web", 5*time.Minute)
	waitForWaiters(t, clkB)
	clkB.Step(29 * time.Second)
	waitForWaiters(t, clkB)
	clkB.Step(2 * time.Second)
	res := <-waiting
	if res.err != nil {
		t.Fatalf("B Acquire of an expired lock: %v", res.err)
	}
	wantStale := &StaleHolder{Holder: "host-a/1/aa", Since: start, RenewedAt: start}
	if diff := cmp.Diff(wantStale, res.lock.TookOver); diff != "" {
		t.Errorf("TookOver (-want +got):\n%s", diff)
	}
	lease := getLease(t, kube, ns, "web")
	if got := ptr.Deref(lease.Spec.LeaseTransitions, 0); got != 1 {
		t.Errorf("lease transitions = %d, want 1", got)
	}

	// B renews every third of the duration.
	clkB.Step(10 * time.Second)
	renewed := start.Add(41 * time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for !timeOf(getLease(t, kube, ns, "web").Spec.RenewTime).Equal(renewed) {
		if time.Now().After(deadline) {
			t.Fatalf("B did not renew: renew time %v, want %v", getLease(t, kube, ns, "web").Spec.RenewTime, renewed)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A tries to renew, finds B holding the lock and reports it lost.
	clkA.Step(10 * time.Second)
	select {
	case <-lockA.Lost():
	case <-time.After(20 * time.Second):
		t.Fatal("A did not notice it lost the lock")
	}
	if err := lockA.Err(); !errors.Is(err, ErrNotHolder) {
		t.Errorf("A Err = %v, want ErrNotHolder", err)
	}
	err = lockA.Release(t.Context())
	if !errors.Is(err, ErrNotHolder) || !strings.Contains(err.Error(), "locked by host-b/2/bb") {
		t.Errorf("A Release of B's lock: got %v, want ErrNotHolder naming B", err)
	}
	if got := ptr.Deref(getLease(t, kube, ns, "web").Spec.HolderIdentity, ""); got != "host-b/2/bb" {
		t.Errorf("holder after A's refused release = %q, want host-b/2/bb", got)
	}
	if err := res.lock.Release(t.Context()); err != nil {
		t.Errorf("B Release: %v", err)
	}
}

// TestLockCrashedHolder finds a Lease left by a process that died long ago
// and takes it over at once.
func TestLockCrashedHolder(t *testing.T) {
	ns := testenv.Namespace(t)
	kube := testClients(t).Kube
	long := metav1.NewMicroTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	_, err := kube.CoordinationV1().Leases(ns).Create(t.Context(), &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: LockName("web")},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To("gone/9/99"),
			LeaseDurationSeconds: ptr.To[int32](30),
			AcquireTime:          &long,
			RenewTime:            &long,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLocker(kube, ns)
	lock, err := l.Acquire(t.Context(), "web", 0)
	if err != nil {
		t.Fatalf("Acquire of a crashed holder's lock: %v", err)
	}
	want := &StaleHolder{Holder: "gone/9/99", Since: long.Time, RenewedAt: long.Time}
	if diff := cmp.Diff(want, lock.TookOver); diff != "" {
		t.Errorf("TookOver (-want +got):\n%s", diff)
	}
	if !strings.Contains(l.Identity(), "/") {
		t.Errorf("default identity %q is not hostname/pid/random", l.Identity())
	}
	if err := lock.Release(t.Context()); err != nil {
		t.Errorf("Release: %v", err)
	}
}

// TestLockRace starts several clients at once: exactly one gets the lock.
func TestLockRace(t *testing.T) {
	ns := testenv.Namespace(t)
	kube := testClients(t).Kube
	const clients = 5
	var wg sync.WaitGroup
	results := make([]acquireResult, clients)
	for i := range clients {
		l := NewLocker(kube, ns, WithIdentity("client-"+itoa(i)))
		wg.Go(func() {
			lock, err := l.Acquire(t.Context(), "web", 0)
			results[i] = acquireResult{lock, err}
		})
	}
	wg.Wait()
	var winners []string
	var locks []*Lock
	for i, r := range results {
		switch {
		case r.err == nil:
			winners = append(winners, "client-"+itoa(i))
			locks = append(locks, r.lock)
		case !errors.Is(r.err, ErrLocked):
			t.Errorf("client-%d: got %v, want ErrLocked", i, r.err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("winners = %v, want exactly one", winners)
	}
	if got := ptr.Deref(getLease(t, kube, ns, "web").Spec.HolderIdentity, ""); got != winners[0] {
		t.Errorf("holder = %q, want the winner %q", got, winners[0])
	}
	for _, lock := range locks {
		if err := lock.Release(t.Context()); err != nil {
			t.Errorf("Release: %v", err)
		}
	}
}

// TestLockDeletedBehindOurBack deletes a held lock's Lease: the holder
// notices at its next renewal.
func TestLockDeletedBehindOurBack(t *testing.T) {
	ns := testenv.Namespace(t)
	kube := testClients(t).Kube
	clk := testingclock.NewFakeClock(now())
	lock, err := newTestLocker(kube, ns, "host-a/1/aa", clk).Acquire(t.Context(), "web", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := kube.CoordinationV1().Leases(ns).Delete(t.Context(), LockName("web"), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lock.Lost():
		t.Fatal("lock lost before any renewal")
	default:
	}
	clk.Step(10 * time.Second)
	select {
	case <-lock.Lost():
	case <-time.After(20 * time.Second):
		t.Fatal("holder did not notice its Lease was deleted")
	}
	if err := lock.Err(); !errors.Is(err, ErrNotHolder) || !strings.Contains(err.Error(), "the lock was deleted") {
		t.Errorf("Err = %v, want ErrNotHolder saying the lock was deleted", err)
	}
	if err := lock.Release(t.Context()); !errors.Is(err, ErrNotHolder) {
		t.Errorf("Release of a deleted lock: got %v, want ErrNotHolder", err)
	}
}
