package faultproxy

import (
	"context"
	"errors"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/internal/testenv"
)

// TestMain runs this package's tests against a real kube-apiserver.
func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// client returns a proxy in front of the test API server and a client
// talking through it.
func client(t *testing.T) (*Proxy, kubernetes.Interface) {
	t.Helper()
	p := Start(t, testenv.Config(t))
	c, err := kubernetes.NewForConfig(p.Config())
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"k": "v"}}
}

func TestProxyInjectsEachFault(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		check  func(error) bool
		want   Counts
		landed bool
	}{
		{"none", Faults{}, func(err error) bool { return err == nil }, Counts{Requests: 1}, true},
		{"429", Faults{TooManyRequests: 1}, apierrors.IsTooManyRequests, Counts{Requests: 1, TooManyRequests: 1}, false},
		{"500", Faults{ServerErrors: 1}, apierrors.IsInternalError, Counts{Requests: 1, ServerErrors: 1}, false},
		{"reset", Faults{Resets: 1}, utilnet.IsConnectionReset, Counts{Requests: 1, Resets: 1}, true},
		{"latency", Faults{Latency: 1, Delay: 50 * time.Millisecond}, func(err error) bool { return err == nil }, Counts{Requests: 1, Delayed: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := testenv.Namespace(t)
			p, c := client(t)
			p.SetFaults(tt.faults)
			// MaxRetries(0): client-go would retry the 429 itself.
			err := c.CoreV1().RESTClient().Post().Namespace(ns).Resource("configmaps").
				Body(configMap("a")).MaxRetries(0).Do(t.Context()).Error()
			if !tt.check(err) {
				t.Fatalf("create through the proxy: unexpected error %v", err)
			}
			got := p.Counts()
			// One POST, counted as a write with its body, whatever the fault.
			tt.want.Writes = 1
			if got.BytesSent <= 0 {
				t.Errorf("BytesSent = %d after a POST with a body", got.BytesSent)
			}
			tt.want.BytesSent = got.BytesSent
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			direct, err := kubernetes.NewForConfig(testenv.Config(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = direct.CoreV1().ConfigMaps(ns).Get(t.Context(), "a", metav1.GetOptions{})
			if landed := err == nil; landed != tt.landed {
				t.Errorf("write landed: %t, want %t (get: %v)", landed, tt.landed, err)
			}
		})
	}
}

func TestProxyStreamsWatches(t *testing.T) {
	ns := testenv.Namespace(t)
	_, c := client(t)
	w, err := c.CoreV1().ConfigMaps(ns).Watch(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := c.CoreV1().ConfigMaps(ns).Create(t.Context(), configMap("w"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-w.ResultChan():
			if cm, ok := ev.Object.(*corev1.ConfigMap); ok && ev.Type == watch.Added && cm.Name == "w" {
				return
			}
		case <-timeout:
			t.Fatal("no ADDED event through the proxy within 10s: the watch is not streamed")
		}
	}
}

func TestProxyOutage(t *testing.T) {
	ns := testenv.Namespace(t)
	p, c := client(t)
	get := func() error {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	if err := p.SetOutage(true); err != nil {
		t.Fatal(err)
	}
	if err := get(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("during the outage: got %v, want connection refused", err)
	}
	if err := p.SetOutage(false); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Errorf("after the outage: %v", err)
	}
	// An outage armed to start on a request of a kind.
	p.SetOutageWhen(func(r *http.Request) bool { return r.Method == http.MethodPost })
	if err := get(); err != nil {
		t.Errorf("GET with an outage armed for POSTs: %v", err)
	}
	_, err := c.CoreV1().ConfigMaps(ns).Create(t.Context(), configMap("x"), metav1.CreateOptions{})
	if err == nil || !p.Down() {
		t.Errorf("POST with an outage armed for it: error %v, down %t; want an error and the outage on", err, p.Down())
	}
	if got := p.Counts().Outages; got != 2 {
		t.Errorf("%d outages counted, want 2", got)
	}
}

// TestDrawRates checks that faults come at about the rates asked for.
func TestDrawRates(t *testing.T) {
	p := &Proxy{}
	p.SetFaults(Faults{TooManyRequests: 0.05, ServerErrors: 0.02, Resets: 0.01, Latency: 0.1, Seed: 1})
	const n = 20000
	got := map[fault]int{}
	delayed := 0
	for range n {
		f, d := p.draw()
		got[f]++
		if d > 0 {
			delayed++
		}
	}
	within := func(count int, rate float64) bool {
		want := rate * n
		return float64(count) > 0.8*want && float64(count) < 1.2*want
	}
	if !within(got[fault429], 0.05) || !within(got[fault500]+got[fault503], 0.02) ||
		!within(got[faultReset], 0.01) || !within(delayed, 0.1) {
		t.Errorf("over %d draws: %d 429, %d 500, %d 503, %d resets, %d delays; want about 5%%, 2%%, 1%%, 10%%",
			n, got[fault429], got[fault500], got[fault503], got[faultReset], delayed)
	}
	if got[fault500] == 0 || got[fault503] == 0 {
		t.Error("server errors are not both 500 and 503")
	}
}
