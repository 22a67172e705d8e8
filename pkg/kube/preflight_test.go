package kube_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/berth-sh/berth/internal/testenv"
	"github.com/berth-sh/berth/pkg/kube"
)

// requestCounter counts the API requests of a client by method and path
// shape ("GET /api/v1/namespaces/NS/configmaps/NAME" counts as a read of
// one object).
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (rc *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		rc.mu.Lock()
		rc.counts[req.Method+" "+shape(req.URL.Path)]++
		rc.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

func (rc *requestCounter) get(key string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.counts[key]
}

// shape replaces the namespace and name of a ConfigMap path by NS and NAME.
func shape(path string) string {
	parts := strings.Split(path, "/")
	// /api/v1/namespaces/NS/configmaps[/NAME]
	if len(parts) >= 6 && parts[3] == "namespaces" && parts[5] == "configmaps" {
		parts[4] = "NS"
		if len(parts) > 6 {
			parts[6] = "NAME"
		}
	}
	return strings.Join(parts, "/")
}

// countingClient returns a client whose requests rc counts, and a fresh
// namespace.
func countingClient(t *testing.T) (*kube.Client, *requestCounter, string) {
	t.Helper()
	ns := testenv.Namespace(t)
	cfg := rest.CopyConfig(testenv.Config(t))
	rc := &requestCounter{counts: map[string]int{}}
	cfg.Wrap(rc.wrap)
	c, err := kube.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, rc, ns
}

// TestApplyListsManyObjects: 20 ConfigMaps are read with one LIST, not a
// GET each, and change detection still tells created, unchanged and
// configured apart.
func TestApplyListsManyObjects(t *testing.T) {
	c, rc, ns := countingClient(t)
	objs := func(changed string) []*unstructured.Unstructured {
		var out []*unstructured.Unstructured
		for i := range 20 {
			data := map[string]any{"n": fmt.Sprint(i)}
			if fmt.Sprint(i) == changed {
				data["changed"] = "yes"
			}
			out = append(out, configMap(ns, fmt.Sprintf("cm-%02d", i), data))
		}
		return out
	}
	opts := kube.ApplyOptions{Owner: kube.Owner{Name: "web", Namespace: ns}}
	for _, step := range []struct {
		changed string
		want    map[string]int // action -> count
	}{
		{changed: "", want: map[string]int{"created": 20}},
		{changed: "", want: map[string]int{"unchanged": 20}},
		{changed: "7", want: map[string]int{"unchanged": 19, "configured": 1}},
	} {
		cs, err := c.Apply(t.Context(), objs(step.changed), opts)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		got := map[string]int{}
		for _, e := range cs.Entries {
			got[string(e.Action)]++
		}
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("Apply (changed %q) actions (-want +got):\n%s", step.changed, diff)
		}
	}
	if n := rc.get("GET /api/v1/namespaces/NS/configmaps/NAME"); n != 0 {
		t.Errorf("Apply read %d ConfigMaps one by one, want 0 (one LIST per Apply)", n)
	}
	if n := rc.get("GET /api/v1/namespaces/NS/configmaps"); n != 3 {
		t.Errorf("Apply listed ConfigMaps %d times over 3 Applies, want 3", n)
	}
}

// TestDiffListsManyObjects: a diff reads 20 ConfigMaps with one LIST of
// whole objects, not a GET each, and still finds the one that changes.
func TestDiffListsManyObjects(t *testing.T) {
	c, rc, ns := countingClient(t)
	objs := func(changed bool) []*unstructured.Unstructured {
		var out []*unstructured.Unstructured
		for i := range 20 {
			data := map[string]any{"n": fmt.Sprint(i)}
			if changed && i == 7 {
				data["changed"] = "yes"
			}
			out = append(out, configMap(ns, fmt.Sprintf("cm-%02d", i), data))
		}
		return out
	}
	opts := kube.ApplyOptions{Owner: kube.Owner{Name: "web", Namespace: ns}}
	if _, err := c.Apply(t.Context(), objs(false), opts); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	diffs, err := c.Diff(t.Context(), objs(true), kube.DiffOptions{ApplyOptions: opts})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	got := map[kube.DiffAction][]string{}
	for _, d := range diffs {
		got[d.Action] = append(got[d.Action], d.Ref.Name)
	}
	if diff := cmp.Diff([]string{"cm-07"}, got[kube.DiffChange]); diff != "" {
		t.Errorf("changed objects (-want +got):\n%s", diff)
	}
	if n := len(got[kube.DiffUnchanged]); n != 19 {
		t.Errorf("%d unchanged objects, want 19", n)
	}
	if n := rc.get("GET /api/v1/namespaces/NS/configmaps/NAME"); n != 0 {
		t.Errorf("Diff read %d ConfigMaps one by one, want 0", n)
	}
	if n := rc.get("GET /api/v1/namespaces/NS/configmaps"); n != 2 {
		t.Errorf("ConfigMaps listed %d times by one Apply and one Diff, want 2", n)
	}
}
