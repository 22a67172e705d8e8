package release

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/berth-sh/berth/internal/testenv"
)

// bigRelease returns a release whose manifest is n random bytes, base64
// encoded: gzip cannot shrink it below 3/4 of its size.
func bigRelease(t *testing.T, ns string, n int) *Release {
	t.Helper()
	noise := make([]byte, n)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	rel := sample(ns, "big", 1, StatusPendingInstall)
	rel.Manifest = base64.StdEncoding.EncodeToString(noise)
	return rel
}

// objectNames lists the names of berth's objects in ns, sorted, chunks and
// records alike.
func objectNames(t *testing.T, s *KubeStore) []string {
	t.Helper()
	items, err := s.meta.Resource(s.objects.resource()).Namespace(s.namespace).
		List(t.Context(), metav1.ListOptions{LabelSelector: "owner=berth"})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, item := range items.Items {
		names = append(names, item.Name)
	}
	slices.Sort(names)
	return names
}

// chunkNames returns the expected names of n chunks of payload digest.
func chunkNames(head, digest string, n int) []string {
	var names []string
	for i := range n {
		names = append(names, chunkName(head, digest, i))
	}
	return names
}

// TestLargeRelease stores a release of about 9 MB of incompressible data,
// more than one object holds, in chunks; updates and deletes it.
func TestLargeRelease(t *testing.T) {
	for _, d := range drivers()[1:] {
		t.Run(d.name, func(t *testing.T) {
			store, ns := d.new(t)
			s := store.(*KubeStore)
			rel := bigRelease(t, ns, 9_000_000) // 12 MB of base64
			mustCreate(t, s, rel)

			payload, err := encodePayload(rel)
			if err != nil {
				t.Fatal(err)
			}
			if len(payload) < 9_000_000 {
				t.Fatalf("payload is %d bytes, want about 9 MB", len(payload))
			}
			chunks := (len(payload) + DefaultChunkSize - 1) / DefaultChunkSize
			head := RecordName("big", 1)
			want := append(chunkNames(head, digestOf(payload), chunks), head)
			slices.Sort(want)
			if diff := cmp.Diff(want, objectNames(t, s)); diff != "" {
				t.Errorf("objects after Create (-want +got):\n%s", diff)
			}
			got, err := s.Get(t.Context(), "big", 1)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(rel, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}

			got.Status = StatusDeployed
			if err := s.Update(t.Context(), got); err != nil {
				t.Fatalf("Update: %v", err)
			}
			updated, err := encodePayload(got)
			if err != nil {
				t.Fatal(err)
			}
			want = append(chunkNames(head, digestOf(updated), chunks), head)
			slices.Sort(want)
			if diff := cmp.Diff(want, objectNames(t, s)); diff != "" {
				t.Errorf("objects after Update (-want +got):\n%s", diff)
			}
			again, err := s.Get(t.Context(), "big", 1)
			if err != nil || again.Status != StatusDeployed {
				t.Errorf("Get after Update = %v, %v; want status deployed", again.Status, err)
			}

			if err := s.Delete(t.Context(), "big", 1); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if diff := cmp.Diff([]string{}, objectNames(t, s)); diff != "" {
				t.Errorf("objects after Delete (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInterruptedWrite leaves chunks without their record, as a crash
// between the two would: readers see no release, the next write of the
// revision replaces them, and GarbageCollect removes orphans once they are
// older than the grace period.
func TestInterruptedWrite(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	s := NewSecrets(clients, ns, WithChunkSize(4096))
	crashed := bigRelease(t, ns, 20_000)
	payload, err := encodePayload(crashed)
	if err != nil {
		t.Fatal(err)
	}
	head := RecordName("big", 1)
	if err := s.writeChunks(t.Context(), crashed, head, digestOf(payload), payload); err != nil {
		t.Fatal(err)
	}
	orphans := chunkNames(head, digestOf(payload), (len(payload)+4095)/4096)
	if diff := cmp.Diff(orphans, objectNames(t, s)); diff != "" {
		t.Fatalf("chunks (-want +got):\n%s", diff)
	}
	if _, err := s.Get(t.Context(), "big", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get with only chunks: got %v, want ErrNotFound", err)
	}
	if h, err := s.History(t.Context(), "big"); !errors.Is(err, ErrNotFound) {
		t.Errorf("History with only chunks = %v, %v; want ErrNotFound", h, err)
	}

	// The retried write of the same release replaces the chunks.
	retry := *crashed
	mustCreate(t, s, &retry)
	got, err := s.Get(t.Context(), "big", 1)
	if err != nil {
		t.Fatalf("Get after retried write: %v", err)
	}
	if diff := cmp.Diff(&retry, got); diff != "" {
		t.Errorf("Get after retried write (-want +got):\n%s", diff)
	}

	// A crashed write of revision 2 leaves orphans GarbageCollect removes.
	crashed2 := bigRelease(t, ns, 20_000)
	crashed2.Revision = 2
	payload2, err := encodePayload(crashed2)
	if err != nil {
		t.Fatal(err)
	}
	head2 := RecordName("big", 2)
	if err := s.writeChunks(t.Context(), crashed2, head2, digestOf(payload2), payload2); err != nil {
		t.Fatal(err)
	}
	young, err := s.GarbageCollect(t.Context(), "big")
	if err != nil || len(young) != 0 {
		t.Errorf("GarbageCollect within grace = %v, %v; want nothing deleted", young, err)
	}
	later := NewSecrets(clients, ns, WithChunkSize(4096),
		WithClock(testingclock.NewFakePassiveClock(time.Now().Add(DefaultGCGrace+time.Minute))))
	deleted, err := later.GarbageCollect(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	wantDeleted := chunkNames(head2, digestOf(payload2), (len(payload2)+4095)/4096)
	slices.Sort(wantDeleted)
	if diff := cmp.Diff(wantDeleted, deleted); diff != "" {
		t.Errorf("GarbageCollect deleted (-want +got):\n%s", diff)
	}
	if _, err := s.Get(t.Context(), "big", 1); err != nil {
		t.Errorf("Get after GarbageCollect: %v", err)
	}
}

// TestCorruptChunk changes a chunk behind berth's back: Get reports the
// digest mismatch rather than a wrong release.
func TestCorruptChunk(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	s := NewSecrets(clients, ns, WithChunkSize(4096))
	rel := bigRelease(t, ns, 20_000)
	mustCreate(t, s, rel)
	payload, err := encodePayload(rel)
	if err != nil {
		t.Fatal(err)
	}
	secrets := clients.Kube.CoreV1().Secrets(ns)
	name := chunkName(RecordName("big", 1), digestOf(payload), 2)
	chunk, err := secrets.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	chunk.Data["release"][10] ^= 0xff
	if _, err := secrets.Update(t.Context(), chunk, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "big", 1); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get with a corrupt chunk: got %v, want ErrCorrupt", err)
	}
}

// TestReadDuringUpdates reads a chunked release while another client
// updates it: every read returns a whole release, old or new.
func TestReadDuringUpdates(t *testing.T) {
	ns := testenv.Namespace(t)
	clients := testClients(t)
	writer := NewSecrets(clients, ns, WithChunkSize(8192))
	reader := NewSecrets(clients, ns, WithChunkSize(8192))
	rel := bigRelease(t, ns, 40_000)
	mustCreate(t, writer, rel)

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range 8 {
			rel.Description = "update " + itoa(i)
			if err := writer.Update(t.Context(), rel); err != nil {
				t.Errorf("Update %d: %v", i, err)
				return
			}
		}
	})
	reads := 0
	for {
		select {
		case <-done:
			wg.Wait()
			if reads == 0 {
				t.Error("no read overlapped the updates")
			}
			return
		default:
		}
		got, err := reader.Get(t.Context(), "big", 1)
		if err != nil {
			t.Errorf("Get during updates: %v", err)
		} else if got.Manifest != rel.Manifest {
			t.Error("Get during updates returned a different manifest")
		}
		reads++
	}
}

// wantObjects is the sorted names of a record and the chunks of rel's
// payload when stored with chunkSize.
func wantObjects(t *testing.T, rel *Release, chunkSize int) []string {
	t.Helper()
	payload, err := encodePayload(rel)
	if err != nil {
		t.Fatal(err)
	}
	head := RecordName(rel.Name, rel.Revision)
	names := []string{head}
	if len(payload) > chunkSize {
		names = append(names, chunkNames(head, digestOf(payload), (len(payload)+chunkSize-1)/chunkSize)...)
	}
	slices.Sort(names)
	return names
}

// TestChunkedUpdates grows a release into chunks, loses an update race and
// shrinks it back: only the chunks the record points to remain.
func TestChunkedUpdates(t *testing.T) {
	ns := testenv.Namespace(t)
	s := NewSecrets(testClients(t), ns, WithChunkSize(4096))
	rel := sample(ns, "big", 1, StatusPendingInstall)
	mustCreate(t, s, rel)
	check := func(step string, want *Release) {
		t.Helper()
		if diff := cmp.Diff(wantObjects(t, want, 4096), objectNames(t, s)); diff != "" {
			t.Errorf("objects after %s (-want +got):\n%s", step, diff)
		}
		got, err := s.Get(t.Context(), want.Name, want.Revision)
		if err != nil {
			t.Fatalf("Get after %s: %v", step, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Get after %s (-want +got):\n%s", step, diff)
		}
	}

	rel.Manifest = bigRelease(t, ns, 20_000).Manifest
	if err := s.Update(t.Context(), rel); err != nil {
		t.Fatalf("Update growing: %v", err)
	}
	check("growing", rel)

	loser, err := s.Get(t.Context(), "big", 1)
	if err != nil {
		t.Fatal(err)
	}
	rel.Description = "winner"
	if err := s.Update(t.Context(), rel); err != nil {
		t.Fatalf("Update: %v", err)
	}
	loser.Description = "loser"
	if err := s.Update(t.Context(), loser); !errors.Is(err, ErrConflict) {
		t.Fatalf("Update of a stale copy: got %v, want ErrConflict", err)
	}
	check("losing a race", rel)

	rel.Manifest = "small"
	if err := s.Update(t.Context(), rel); err != nil {
		t.Fatalf("Update shrinking: %v", err)
	}
	check("shrinking", rel)
}
