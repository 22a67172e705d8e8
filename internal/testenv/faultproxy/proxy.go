package faultproxy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// Faults are the rates (fractions of requests, 0 to 1) at which the proxy
// injects each fault. At most one of TooManyRequests, ServerErrors and
// Resets hits a request; Latency is drawn on its own. The zero Faults
// forwards everything untouched.
type Faults struct {
	// TooManyRequests answers 429 with a Retry-After of RetryAfter,
	// without forwarding, as the API server's flow control does.
	TooManyRequests float64
	// RetryAfter is the Retry-After of 429s, in whole seconds. The API
	// server sends 1s; 0 asks clients to retry at once (their own backoff
	// still applies), which keeps tests with many 429s fast.
	RetryAfter time.Duration
	// ServerErrors answers 500 or 503 (one each in turn) without
	// forwarding.
	ServerErrors float64
	// Resets forwards the request, throws its answer away and resets the
	// connection: a write lands but its client cannot know. Watches are
	// reset before they are forwarded.
	Resets float64
	// Latency delays requests by Delay before forwarding them.
	Latency float64
	// Delay is the delay of Latency; 0 means 100ms.
	Delay time.Duration
	// Seed seeds the draws, so that a run can be replayed.
	Seed uint64
}

// Counts are how many requests the proxy saw and how many faults it
// injected of each kind.
type Counts struct {
	Requests        int64
	TooManyRequests int64
	ServerErrors    int64
	Resets          int64
	Delayed         int64
	// Outages is how many times an outage began.
	Outages int64
	// Reads, Watches and Writes split Requests: GETs (lists included),
	// GETs that open a watch, and every other verb.
	Reads, Watches, Writes int64
	// BytesSent is the size of the request bodies the clients sent.
	BytesSent int64
}

// Injected is the number of requests that failed because of the proxy.
func (c Counts) Injected() int64 { return c.TooManyRequests + c.ServerErrors + c.Resets }

// String lists the counts, for test logs.
func (c Counts) String() string {
	return fmt.Sprintf("%d requests: %d answered 429, %d answered 5xx, %d reset, %d delayed, %d outages",
		c.Requests, c.TooManyRequests, c.ServerErrors, c.Resets, c.Delayed, c.Outages)
}

// Proxy is a fault-injecting reverse proxy in front of an API server.
type Proxy struct {
	forward http.Handler
	addr    string
	srv     *http.Server

	mu         sync.Mutex
	faults     Faults
	rng        *rand.Rand
	serverErrs int64
	ln         net.Listener
	conns      map[net.Conn]struct{}
	down       bool
	outageWhen func(*http.Request) bool
	closed     bool

	requests, throttled, failed, resets, delayed, outages atomic.Int64
	reads, watches, writes, bytesSent                     atomic.Int64
}

// New starts a proxy on a free local port in front of the API server of
// upstream, forwarding with upstream's credentials. It injects no fault
// until SetFaults.
func New(upstream *rest.Config) (*Proxy, error) {
	target, err := url.Parse(upstream.Host)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("fault proxy: upstream host %q is not a URL", upstream.Host)
	}
	rt, err := rest.TransportFor(upstream)
	if err != nil {
		return nil, fmt.Errorf("fault proxy: upstream transport: %w", err)
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fault proxy: listen: %w", err)
	}
	p := &Proxy{
		forward: &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.Out.Host = target.Host
			},
			Transport:     rt,
			FlushInterval: -1, // watches stream events as they come
		},
		addr:  ln.Addr().String(),
		ln:    ln,
		conns: map[net.Conn]struct{}{},
		rng:   rand.New(rand.NewPCG(0, 0)), //nolint:gosec // fault draws need no cryptographic randomness
	}
	p.srv = &http.Server{Handler: p, ConnState: p.track, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Start starts a proxy for a test, closed when the test ends.
func Start(tb testing.TB, upstream *rest.Config) *Proxy {
	tb.Helper()
	p, err := New(upstream)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p
}

// URL is where the proxy listens: http://127.0.0.1:port.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Config returns a client configuration that talks to the API server
// through the proxy.
func (p *Proxy) Config() *rest.Config {
	return &rest.Config{Host: p.URL(), QPS: -1}
}

// SetFaults sets the fault rates from now on, and reseeds the draws.
func (p *Proxy) SetFaults(f Faults) {
	if f.Delay <= 0 {
		f.Delay = 100 * time.Millisecond
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
	p.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15)) //nolint:gosec // see New
}

// Counts returns what the proxy has seen and injected so far.
func (p *Proxy) Counts() Counts {
	return Counts{
		Requests:        p.requests.Load(),
		TooManyRequests: p.throttled.Load(),
		ServerErrors:    p.failed.Load(),
		Resets:          p.resets.Load(),
		Delayed:         p.delayed.Load(),
		Outages:         p.outages.Load(),
		Reads:           p.reads.Load(),
		Watches:         p.watches.Load(),
		Writes:          p.writes.Load(),
		BytesSent:       p.bytesSent.Load(),
	}
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.srv.Close()
}

// ServeHTTP forwards a request, or injects the fault the draws pick.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	p.count(r)
	if p.triggersOutage(r) {
		p.reset(w)
		return
	}
	f, delay := p.draw()
	if delay > 0 {
		p.delayed.Add(1)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch f {
	case fault429:
		p.throttled.Add(1)
		w.Header().Set("Retry-After", fmt.Sprint(int(p.retryAfter().Seconds())))
		writeStatus(w, http.StatusTooManyRequests, "TooManyRequests", "faultproxy: too many requests, please try again later")
	case fault500:
		p.failed.Add(1)
		writeStatus(w, http.StatusInternalServerError, "InternalError", "faultproxy: internal error")
	case fault503:
		p.failed.Add(1)
		writeStatus(w, http.StatusServiceUnavailable, "ServiceUnavailable", "faultproxy: service unavailable")
	case faultReset:
		p.resets.Add(1)
		if !isWatch(r) {
			// The request reaches the server; its answer never comes back.
			p.forward.ServeHTTP(discard{header: http.Header{}}, r)
		}
		p.reset(w)
	default:
		p.forward.ServeHTTP(w, r)
	}
}

// count adds r to the counts by kind and its body to BytesSent.
func (p *Proxy) count(r *http.Request) {
	switch {
	case isWatch(r):
		p.watches.Add(1)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		p.reads.Add(1)
	default:
		p.writes.Add(1)
	}
	if r.ContentLength > 0 {
		p.bytesSent.Add(r.ContentLength)
	}
}

type fault int

const (
	faultNone fault = iota
	fault429
	fault500
	fault503
	faultReset
)

// draw picks the fault and delay of one request.
func (p *Proxy) draw() (fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.faults
	var delay time.Duration
	if f.Latency > 0 && p.rng.Float64() < f.Latency {
		delay = f.Delay
	}
	x := p.rng.Float64()
	switch {
	case x < f.TooManyRequests:
		return fault429, delay
	case x < f.TooManyRequests+f.ServerErrors:
		p.serverErrs++
		if p.serverErrs%2 == 0 {
			return fault503, delay
		}
		return fault500, delay
	case x < f.TooManyRequests+f.ServerErrors+f.Resets:
		return faultReset, delay
	}
	return faultNone, delay
}

func (p *Proxy) retryAfter() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults.RetryAfter
}

// reset hijacks the connection of w and resets it (TCP RST, not an orderly
// close): the client sees "connection reset by peer".
func (p *Proxy) reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// isWatch reports whether r opens a watch, which the proxy cannot forward
// to a throw-away answer: it would never end.
func isWatch(r *http.Request) bool {
	return r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1" ||
		strings.Contains(r.URL.Path, "/watch/")
}

// writeStatus answers with a Kubernetes Status, as the API server does.
func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%q,"reason":%q,"code":%d}`,
		message, reason, code)
}

// discard is a ResponseWriter that throws the answer away.
type discard struct{ header http.Header }

func (d discard) Header() http.Header       { return d.header }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
func (discard) Flush()                      {}
