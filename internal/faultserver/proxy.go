package faultserver

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// ProxyOptions configure ForwardProxy.
type ProxyOptions struct {
	// User and Password, when User is set, are required as Basic
	// Proxy-Authorization; requests without them get 407 with a
	// Proxy-Authenticate challenge.
	User, Password string
	// ConnectStatus, when set, is the answer to every CONNECT instead of a
	// tunnel (for example 403 for a proxy that denies the host).
	ConnectStatus int
	// Dial reaches the targets. The default dials loopback IP literals only
	// and refuses anything else, so a test can never leak to the internet.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Proxy is a forward HTTP proxy on loopback: CONNECT tunnels for https and
// absolute-URI requests for http, as HTTPS_PROXY and HTTP_PROXY use it.
type Proxy struct {
	srv  *httptest.Server
	opts ProxyOptions
	tr   *http.Transport

	mu       sync.Mutex
	connects map[string]int
	forwards map[string]int
	tunnels  map[net.Conn]struct{}
	closed   bool // set by cleanup; no tunnel starts after it
	wg       sync.WaitGroup
}

// ForwardProxy starts a forward proxy configured by opts.
func ForwardProxy(t testing.TB, opts ProxyOptions) *Proxy {
	t.Helper()
	if opts.Dial == nil {
		opts.Dial = dialLoopback
	}
	p := &Proxy{
		opts:     opts,
		connects: make(map[string]int),
		forwards: make(map[string]int),
		tunnels:  make(map[net.Conn]struct{}),
	}
	p.tr = &http.Transport{DialContext: opts.Dial, DisableKeepAlives: true, ResponseHeaderTimeout: connLifetime}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.srv.Start()
	t.Cleanup(func() {
		// Hijacked tunnels are not the http.Server's to close.
		p.mu.Lock()
		p.closed = true
		for c := range p.tunnels {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.srv.Close()
		p.wg.Wait()
		p.tr.CloseIdleConnections()
	})
	return p
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.srv.Listener.Addr().String() }

// URL returns the proxy's URL, http://127.0.0.1:port, without credentials.
func (p *Proxy) URL() string { return p.srv.URL }

// Connects returns how many CONNECT requests for target (host:port, as the
// client wrote it) the proxy received, authorised or not.
func (p *Proxy) Connects(target string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.connects[target]
}

// Forwards returns how many absolute-URI requests for target (the URL's
// host, with the port if the URL had one) the proxy received.
func (p *Proxy) Forwards(target string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forwards[target]
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodConnect:
		p.count(p.connects, r.Host)
	case r.URL.IsAbs():
		p.count(p.forwards, r.URL.Host)
	default:
		http.Error(w, "not a proxy request", http.StatusBadRequest)
		return
	}
	if !p.authorised(r) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="gopreflight test proxy"`)
		http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
		return
	}
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	p.forward(w, r)
}

func (p *Proxy) count(m map[string]int, target string) {
	p.mu.Lock()
	m[target]++
	p.mu.Unlock()
}

func (p *Proxy) authorised(r *http.Request) bool {
	if p.opts.User == "" {
		return true
	}
	enc, ok := strings.CutPrefix(r.Header.Get("Proxy-Authorization"), "Basic ")
	if !ok {
		return false
	}
	dec, err := base64.StdEncoding.DecodeString(enc)
	return err == nil && string(dec) == p.opts.User+":"+p.opts.Password
}

func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	if s := p.opts.ConnectStatus; s != 0 {
		http.Error(w, "CONNECT denied by policy", s)
		return
	}
	up, err := p.opts.Dial(r.Context(), "tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = up.Close()
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	down, brw, err := hj.Hijack()
	if err != nil {
		_ = up.Close()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = up.Close()
		_ = down.Close()
		return
	}
	p.tunnels[down] = struct{}{}
	p.tunnels[up] = struct{}{}
	p.wg.Add(1)
	p.mu.Unlock()
	defer func() {
		_ = up.Close()
		_ = down.Close()
		p.mu.Lock()
		delete(p.tunnels, down)
		delete(p.tunnels, up)
		p.mu.Unlock()
		p.wg.Done()
	}()
	deadline := time.Now().Add(connLifetime)
	_ = up.SetDeadline(deadline)
	_ = down.SetDeadline(deadline)
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, brw); done <- struct{}{} }() // brw first drains what the server buffered
	go func() { _, _ = io.Copy(down, up); done <- struct{}{} }()
	<-done // either side finishing ends the tunnel
	_ = up.Close()
	_ = down.Close()
	<-done
}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	out.Header.Del("Proxy-Connection")
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// dialLoopback dials addr only when its host is a loopback IP literal.
func dialLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("faultserver proxy: %w", err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("faultserver proxy: refusing non-loopback target %s", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
