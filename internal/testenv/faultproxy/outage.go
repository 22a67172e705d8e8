package faultproxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
)

// SetOutage starts (down true) or ends a total outage. While it lasts the
// proxy listens no more, so connections are refused, and the connections
// it had, watches included, are reset.
func (p *Proxy) SetOutage(down bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || down == p.down {
		return nil
	}
	if down {
		p.goDown()
		return nil
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", p.addr)
	if err != nil {
		return fmt.Errorf("fault proxy: end outage: listen on %s again: %w", p.addr, err)
	}
	p.ln, p.down = ln, false
	go func() { _ = p.srv.Serve(ln) }()
	return nil
}

// SetOutageWhen starts a total outage when a request matching match comes
// (that request is reset), for tests that need the API server to go away
// at a given point of an operation. A nil match disarms it.
func (p *Proxy) SetOutageWhen(match func(*http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outageWhen = match
}

// Down reports whether an outage is going on.
func (p *Proxy) Down() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}

// triggersOutage starts the outage SetOutageWhen armed if r matches, and
// reports whether r must fail with it.
func (p *Proxy) triggersOutage(r *http.Request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return true // a request read just before the outage began
	}
	if p.outageWhen == nil || !p.outageWhen(r) {
		return false
	}
	p.outageWhen = nil
	p.goDown()
	return true
}

// goDown closes the listener and every connection; p.mu is held.
func (p *Proxy) goDown() {
	p.down = true
	p.outages.Add(1)
	_ = p.ln.Close()
	for conn := range p.conns {
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	}
	clear(p.conns)
}

// track keeps the set of open connections, for goDown to close.
func (p *Proxy) track(conn net.Conn, state http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch state {
	case http.StateNew:
		if p.down {
			_ = conn.Close()
			return
		}
		p.conns[conn] = struct{}{}
	case http.StateHijacked, http.StateClosed:
		delete(p.conns, conn)
	}
}
