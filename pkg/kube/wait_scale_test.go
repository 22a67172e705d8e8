package kube_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// listWatchCounter counts the LIST and WATCH requests a client sends, per
// resource path (namespace and resource, without the name).
type listWatchCounter struct {
	mu      sync.Mutex
	lists   map[string]int
	watches map[string]int
}

func (rc *listWatchCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			rc.mu.Lock()
			switch {
			case q.Get("watch") == "true" || q.Get("watch") == "1":
				rc.watches[r.URL.Path]++
			case collection(r.URL.Path):
				rc.lists[r.URL.Path]++
			}
			rc.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

// collection reports whether path names a collection (.../namespaces/NS/
// RESOURCE or /api/v1/RESOURCE), not one object.
func collection(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if p == "namespaces" && i+2 < len(parts) {
			return i+2 == len(parts)-1
		}
	}
	return false
}

// TestWaitWatchesPerKind checks that Wait over many objects of a few kinds
// lists and watches each kind of each namespace once, not each object: the
// number of watches stays bounded however many objects are awaited.
func TestWaitWatchesPerKind(t *testing.T) {
	ns := testenv.Namespace(t)
	counter := &listWatchCounter{lists: map[string]int{}, watches: map[string]int{}}
	cfg := testenv.Config(t)
	cfg.Wrap(counter.wrap)
	c, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const configMaps, services = 600, 60
	var objs []*unstructured.Unstructured
	for i := range configMaps {
		objs = append(objs, object(t, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d, namespace: %s}\ndata: {i: %q}\n", i, ns, fmt.Sprint(i))))
	}
	for i := range services {
		objs = append(objs, object(t, fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: svc-%d, namespace: %s}\nspec: {ports: [{port: 80}]}\n", i, ns)))
	}
	cs, err := c.Apply(t.Context(), objs, kube.ApplyOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	counter.mu.Lock()
	clear(counter.lists)
	clear(counter.watches)
	counter.mu.Unlock()
	if err := c.Wait(t.Context(), cs.Entries, kube.WaitOptions{Timeout: stepTimeout}); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	total := 0
	for path, n := range counter.watches {
		total += n
		// One watch per kind, and at most one re-established.
		if n > 2 {
			t.Errorf("%d watches of %s", n, path)
		}
	}
	for path, n := range counter.lists {
		if n > 2 {
			t.Errorf("%d lists of %s", n, path)
		}
	}
	// ConfigMaps, Services, and the pods of the namespace at most.
	if total > 6 {
		t.Errorf("%d watches for %d objects of 2 kinds (%v), want a few per kind", total, configMaps+services, counter.watches)
	}
	if len(counter.lists) == 0 && total == 0 {
		t.Errorf("Wait read nothing through the client: the counter saw no request")
	}
	t.Logf("lists %v, watches %v", counter.lists, counter.watches)
}
