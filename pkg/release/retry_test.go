package release

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-sh/berth/internal/testenv"
)

// fault is what the lossy transport does to a request it picks.
type fault int

const (
	// faultNone lets a write through: it moves the faults after it to
	// later writes.
	faultNone fault = iota
	// faultLoseAnswer sends the request, then reports a connection reset:
	// the write landed but the client cannot know.
	faultLoseAnswer
	// faultServerError answers 500 without sending the request.
	faultServerError
)

// lossy is a transport that applies faults, in order, to the writes (POST
// and PUT) of one resource, and lets everything else through.
type lossy struct {
	next     http.RoundTripper
	resource string // "/secrets/", "/leases"...
	// before runs before a fault is applied, to play another client.
	before func(method string)

	mu     sync.Mutex
	faults []fault
	seen   int
}

func (l *lossy) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut || !strings.Contains(req.URL.Path+"/", l.resource) {
		return l.next.RoundTrip(req)
	}
	l.mu.Lock()
	l.seen++
	if len(l.faults) == 0 {
		l.mu.Unlock()
		return l.next.RoundTrip(req)
	}
	f := l.faults[0]
	l.faults = l.faults[1:]
	l.mu.Unlock()
	if f == faultNone {
		return l.next.RoundTrip(req)
	}
	if l.before != nil {
		l.before(req.Method)
	}
	if f == faultServerError {
		_ = req.Body.Close()
		body := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected","reason":"InternalError","code":500}`
		return &http.Response{
			StatusCode: http.StatusInternalServerError, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req,
		}, nil
	}
	resp, err := l.next.RoundTrip(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
}

func (l *lossy) writes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen
}

// lossyClients returns clients whose writes to resource go through l.
func lossyClients(t *testing.T, l *lossy) Clients {
	t.Helper()
	writeBackoff = func(int) time.Duration { return time.Millisecond }
	t.Cleanup(func() { writeBackoff = defaultWriteBackoff })
	cfg := testenv.Config(t)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { l.next = rt; return l })
	clients, err := NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return clients
}

var defaultWriteBackoff = writeBackoff

// TestStoreWritesSurviveFaults writes revisions through a transport that
// loses answers and fails writes, and checks that each revision is
// recorded once, as written.
func TestStoreWritesSurviveFaults(t *testing.T) {
	tests := []struct {
		name      string
		chunkSize int
		faults    []fault
	}{
		{"create answer lost", 0, []fault{faultLoseAnswer}},
		{"create fails, then its answer is lost", 0, []fault{faultServerError, faultLoseAnswer}},
		{"update answer lost", 0, []fault{faultNone, faultLoseAnswer}},
		{"update fails twice", 0, []fault{faultNone, faultServerError, faultServerError}},
		{"chunks and records lose answers", 1 << 10, []fault{faultLoseAnswer, faultLoseAnswer, faultLoseAnswer, faultLoseAnswer, faultLoseAnswer}},
	}
	for _, tt := range tests {
		for _, resource := range []string{"/secrets/", "/configmaps/"} {
			t.Run(tt.name+resource, func(t *testing.T) {
				l := &lossy{resource: resource, faults: tt.faults}
				ns := testenv.Namespace(t)
				newStore := NewSecrets
				if resource == "/configmaps/" {
					newStore = NewConfigMaps
				}
				s := newStore(lossyClients(t, l), ns, WithChunkSize(tt.chunkSize))
				rel := sample(ns, "web", 1, StatusPendingInstall)
				if tt.chunkSize > 0 {
					rel.Manifest = strings.Repeat("# padding that does not compress well 0123456789\n", 200) + randomText(4<<10)
				}
				if err := s.Create(t.Context(), rel); err != nil {
					t.Fatalf("Create: %v", err)
				}
				rel.Status = StatusDeployed
				rel.Description = "Install complete"
				if err := s.Update(t.Context(), rel); err != nil {
					t.Fatalf("Update: %v", err)
				}
				got, err := s.Get(t.Context(), "web", 1)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if diff := cmp.Diff(rel, got); diff != "" {
					t.Errorf("stored release (-want +got):\n%s", diff)
				}
				history, err := s.History(t.Context(), "web")
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]int{1}, revisions(history)); diff != "" {
					t.Errorf("revisions (-want +got):\n%s", diff)
				}
				if len(l.faults) != 0 {
					t.Errorf("%d faults not applied: the test did not test them", len(l.faults))
				}
			})
		}
	}
}

func randomText(n int) string {
	var b bytes.Buffer
	x := uint32(2463534242)
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x%36])
	}
	return b.String()
}

// TestStoreRetriedWritesNeverOverwrite checks that a write retried after
// a failure still refuses to replace what another client wrote meanwhile.
func TestStoreRetriedWritesNeverOverwrite(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		ns := testenv.Namespace(t)
		other := NewSecrets(testClients(t), ns)
		theirs := sample(ns, "web", 1, StatusDeployed)
		l := &lossy{resource: "/secrets/", faults: []fault{faultServerError}}
		l.before = func(string) { mustCreate(t, other, theirs) }
		s := NewSecrets(lossyClients(t, l), ns)
		if err := s.Create(t.Context(), sample(ns, "web", 1, StatusFailed)); !errors.Is(err, ErrExists) {
			t.Fatalf("Create over another client's record: got %v, want ErrExists", err)
		}
		got, err := s.Get(t.Context(), "web", 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusDeployed {
			t.Errorf("record overwritten: status %s", got.Status)
		}
	})
	t.Run("update", func(t *testing.T) {
		ns := testenv.Namespace(t)
		other := NewSecrets(testClients(t), ns)
		mustCreate(t, other, sample(ns, "web", 1, StatusPendingInstall))
		l := &lossy{resource: "/secrets/", faults: []fault{faultServerError}}
		s := NewSecrets(lossyClients(t, l), ns)
		ours, err := s.Get(t.Context(), "web", 1)
		if err != nil {
			t.Fatal(err)
		}
		l.before = func(string) {
			theirs, err := other.Get(t.Context(), "web", 1)
			if err != nil {
				t.Error(err)
				return
			}
			theirs.Status = StatusSuperseded
			if err := other.Update(t.Context(), theirs); err != nil {
				t.Error(err)
			}
		}
		ours.Status = StatusFailed
		if err := s.Update(t.Context(), ours); !errors.Is(err, ErrConflict) {
			t.Fatalf("Update after another client's: got %v, want ErrConflict", err)
		}
	})
}

// TestLockAcquireAnswerLost checks that a lock whose Lease was written but
// whose answer was lost is held at once, not waited for as someone
// else's: a new Lease, and one taken over from a crashed holder.
func TestLockAcquireAnswerLost(t *testing.T) {
	for _, tt := range []struct {
		name     string
		crashed  bool
		wantTook bool
	}{
		{"create", false, false},
		{"take over", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			if tt.crashed {
				long := metav1.NewMicroTime(time.Now().Add(-time.Hour).Truncate(time.Second))
				_, err := testClients(t).Kube.CoordinationV1().Leases(ns).Create(t.Context(), &coordinationv1.Lease{
					ObjectMeta: metav1.ObjectMeta{Name: LockName("web")},
					Spec: coordinationv1.LeaseSpec{
						HolderIdentity: ptr.To("gone/9/99"), LeaseDurationSeconds: ptr.To[int32](30),
						AcquireTime: &long, RenewTime: &long,
					},
				}, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
			}
			l := &lossy{resource: "/leases", faults: []fault{faultLoseAnswer}}
			locker := NewLocker(lossyClients(t, l).Kube, ns, WithIdentity("me"))
			start := time.Now()
			lock, err := locker.Acquire(t.Context(), "web", 5*time.Second)
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
			defer func() { _ = lock.Release(t.Context()) }()
			if waited := time.Since(start); waited > 2*time.Second || (lock.TookOver != nil) != tt.wantTook {
				t.Errorf("Acquire waited %s, took over %+v: want our own Lease held at once", waited, lock.TookOver)
			}
			if l.writes() != 2 {
				t.Errorf("%d Lease writes, want 2 (the lost one and its retry)", l.writes())
			}
		})
	}
}
