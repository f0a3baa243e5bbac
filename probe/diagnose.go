package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

// Diagnosis is what probing one endpoint phase by phase showed, as a
// network engineer would with dig, nc, openssl s_client and curl: the
// addresses the resolver in use gives, a TCP connection per address
// family, the TLS handshake, and one HTTP request. Where a forward proxy
// applies, the phases describe the connection through it and the origin
// is never resolved or dialed directly.
type Diagnosis struct {
	// Resolver names the resolver in use ("" through a forward proxy).
	Resolver string
	// Via is the forward proxy, redacted, or "".
	Via       string
	Addresses []string
	// Bogon: the name resolved only to reserved addresses (a public name,
	// or any name answered with only 0.0.0.0 or ::).
	Bogon bool
	// Families holds the TCP connection attempt per address family.
	Families []FamilyResult
	// IPv6Broken: an IPv6 address failed while IPv4 connected; Go's dialer
	// falls back, so the build works, slower.
	IPv6Broken bool
	TLS        *TLSInfo
	// StatusCode of the HTTP request; 0 when none was sent or answered.
	StatusCode int
	// Cause is the first phase that failed, or ok.
	Cause  cause.Code
	Detail string
	// Phase durations of the probe's own connection.
	DNS, Connect, TLSTime, TTFB time.Duration
}

// FamilyResult is one TCP connection attempt.
type FamilyResult struct {
	Family  string // "IPv4" or "IPv6"
	Address string
	Cause   cause.Code
	Detail  string
	Connect time.Duration
}

// StartDiagnosis probes every endpoint known now, and each one first seen
// later, once, in phases (see Diagnosis), under ctx. The HTTP phase waits
// for WaitDiagnosis: it is sent only to endpoints that the run's own
// requests never got an answer from, so servers see no extra request
// where the run already showed that HTTP works.
func (c *Client) StartDiagnosis(ctx context.Context) {
	c.diagMu.Lock()
	defer c.diagMu.Unlock()
	if c.diagCtx != nil {
		return
	}
	c.diagCtx = ctx
	c.requestsDone = make(chan struct{})
	c.Endpoints.mu.Lock()
	c.Endpoints.onNew = c.launchDiagnosis
	origins := append([]string(nil), c.Endpoints.order...)
	c.Endpoints.mu.Unlock()
	for _, o := range origins {
		c.launchDiagnosis(o)
	}
}

// WaitDiagnosis lets the probes send their HTTP requests and waits for
// all of them, or for ctx.
func (c *Client) WaitDiagnosis(ctx context.Context) {
	c.diagMu.Lock()
	if c.diagCtx == nil {
		c.diagMu.Unlock()
		return
	}
	c.closeRequests.Do(func() { close(c.requestsDone) })
	c.diagMu.Unlock()
	// Requests that outlive the run must not start probes now.
	c.Endpoints.mu.Lock()
	c.Endpoints.onNew = nil
	c.Endpoints.mu.Unlock()
	done := make(chan struct{})
	go func() { c.diagWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (c *Client) launchDiagnosis(origin string) {
	c.diagWG.Add(1)
	go func() {
		defer c.diagWG.Done()
		d := c.diagnose(c.diagCtx, origin)
		c.Endpoints.mu.Lock()
		if ep := c.Endpoints.m[origin]; ep != nil {
			ep.Diagnosis = d
		}
		c.Endpoints.mu.Unlock()
	}()
}

// answered reports whether a run request got an answer from origin.
func (c *Client) answered(origin string) bool {
	c.Endpoints.mu.Lock()
	defer c.Endpoints.mu.Unlock()
	ep := c.Endpoints.m[origin]
	return ep != nil && ep.Answered
}

func (c *Client) diagnose(ctx context.Context, origin string) *Diagnosis {
	d := &Diagnosis{Cause: cause.OK}
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
		d.Cause, d.Detail = cause.BadResponse, "not an http(s) URL"
		return d
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	proxyURL, _ := c.proxyFunc(u)
	var conn net.Conn
	if proxyURL != nil {
		d.Via = goenv.Redact(proxyURL.String())
		conn = c.diagnoseViaProxy(ctx, d, proxyURL, u, net.JoinHostPort(host, port))
	} else {
		d.Resolver = c.resolverName
		conn = c.diagnoseDirect(ctx, d, host, port)
	}
	if conn == nil {
		return d
	}
	defer conn.Close()
	if u.Scheme == "https" {
		tc := c.diagnoseTLS(ctx, d, conn, host)
		if tc == nil {
			return d
		}
		conn = tc
	}
	// The HTTP phase: only where the run's requests learned nothing.
	select {
	case <-c.requestsDone:
	case <-ctx.Done():
		return d
	}
	if c.answered(origin) {
		return d
	}
	c.diagnoseHTTP(ctx, d, conn, u, proxyURL != nil && u.Scheme == "http")
	return d
}

func (c *Client) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.RequestTimeout)
}

// diagnoseDirect resolves host with the resolver in use and connects once
// per address family. It returns a connection to the first address that
// answered, in the resolver's order, or nil.
func (c *Client) diagnoseDirect(ctx context.Context, d *Diagnosis, host, port string) net.Conn {
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		rctx, cancel := c.timeout(ctx)
		start := time.Now()
		addrs, err = c.resolver().LookupNetIP(rctx, "ip", host)
		d.DNS = time.Since(start)
		cancel()
		if err != nil {
			d.Cause, d.Detail = cause.Classify(c.namedServer(err), cause.PhaseDNS)
			d.Detail += " (resolver: " + d.Resolver + ")"
			return nil
		}
		d.Bogon = bogonAnswer(host, addrs)
	}
	for _, a := range addrs {
		d.Addresses = append(d.Addresses, a.Unmap().String())
	}
	// One address per family, in the resolver's order.
	var pick []netip.Addr
	seen := map[bool]bool{}
	for _, a := range addrs {
		if v4 := a.Unmap().Is4(); !seen[v4] {
			seen[v4] = true
			pick = append(pick, a.Unmap())
		}
	}
	conns := make([]net.Conn, len(pick))
	d.Families = make([]FamilyResult, len(pick))
	var wg sync.WaitGroup
	for i, a := range pick {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fr := FamilyResult{Family: "IPv4", Address: a.String(), Cause: cause.OK}
			if a.Is6() {
				fr.Family = "IPv6"
			}
			cctx, cancel := c.timeout(ctx)
			defer cancel()
			var dialer net.Dialer
			start := time.Now()
			conn, err := dialer.DialContext(cctx, "tcp", net.JoinHostPort(a.String(), port))
			fr.Connect = time.Since(start)
			if err != nil {
				fr.Cause, fr.Detail = cause.Classify(err, cause.PhaseConnect)
			}
			conns[i], d.Families[i] = conn, fr
		}()
	}
	wg.Wait()
	var conn net.Conn
	v4ok, v6failed := false, false
	for i, fr := range d.Families {
		switch {
		case fr.Cause == cause.OK && conn == nil:
			conn, d.Connect = conns[i], fr.Connect
		case conns[i] != nil:
			conns[i].Close()
		}
		v4ok = v4ok || fr.Family == "IPv4" && fr.Cause == cause.OK
		v6failed = v6failed || fr.Family == "IPv6" && fr.Cause != cause.OK
	}
	d.IPv6Broken = v4ok && v6failed
	if conn == nil {
		fr := d.Families[0]
		d.Cause, d.Detail = fr.Cause, fr.Detail
		d.markBogon(host)
	}
	return conn
}

// markBogon turns a failure after a bogon answer into dns_bogon, when the
// failure is evidence of it (cause.BogonEvidence): an expired deadline
// stays a timeout.
func (d *Diagnosis) markBogon(host string) {
	if d.Bogon && cause.BogonEvidence(d.Cause) {
		d.Detail = fmt.Sprintf("%s resolved only to reserved addresses %s (resolver: %s), and then: %s: %s",
			host, strings.Join(d.Addresses, ", "), d.Resolver, d.Cause, d.Detail)
		d.Cause = cause.DNSBogon
	}
}

// bogonAnswer is the dns_bogon rule of contract §5: a public name that
// resolved only to reserved addresses, or any name answered with only
// 0.0.0.0 or ::.
func bogonAnswer(host string, addrs []netip.Addr) bool {
	if len(addrs) == 0 {
		return false
	}
	all, unspecified := true, true
	for _, a := range addrs {
		all = all && cause.IsBogon(a)
		unspecified = unspecified && a.Unmap().IsUnspecified()
	}
	return all && (unspecified || cause.IsPublicName(host))
}

// diagnoseViaProxy connects to the forward proxy and, for https, asks it
// for a tunnel to target. The origin is neither resolved nor dialed here.
func (c *Client) diagnoseViaProxy(ctx context.Context, d *Diagnosis, proxyURL, origin *url.URL, target string) net.Conn {
	pctx, cancel := c.timeout(ctx)
	defer cancel()
	pport := proxyURL.Port()
	if pport == "" {
		pport = "80"
		if proxyURL.Scheme == "https" {
			pport = "443"
		}
	}
	paddr := net.JoinHostPort(proxyURL.Hostname(), pport)
	dialer := net.Dialer{Resolver: c.resolver()}
	start := time.Now()
	conn, err := dialer.DialContext(pctx, "tcp", paddr)
	d.Connect = time.Since(start)
	if err != nil {
		d.Cause, d.Detail = cause.Classify(err, cause.PhaseProxy)
		return nil
	}
	if proxyURL.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: proxyURL.Hostname(), RootCAs: c.opts.RootCAs})
		if err := tc.HandshakeContext(pctx); err != nil {
			conn.Close()
			d.Cause, d.Detail = cause.Classify(err, cause.PhaseTLS)
			d.Detail = "forward proxy: " + d.Detail
			return nil
		}
		conn = tc
	}
	if origin.Scheme != "https" {
		return conn // plain http goes to the proxy as an absolute-URI request
	}
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: target},
		Host:   target,
		Header: http.Header{},
	}
	if u := proxyURL.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	if dl, ok := pctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	defer conn.SetDeadline(time.Time{})
	if err := req.Write(conn); err != nil {
		conn.Close()
		d.Cause, d.Detail = cause.Classify(err, cause.PhaseProxy)
		return nil
	}
	hl := &headLimit{r: conn, n: maxHeaderBytes}
	br := bufio.NewReader(hl)
	resp, err := http.ReadResponse(br, req)
	if err != nil && hl.n <= 0 {
		err = errHeadTooLarge
	}
	if err != nil {
		conn.Close()
		d.Cause, d.Detail = cause.Classify(err, cause.PhaseProxy)
		return nil
	}
	resp.Body.Close()
	if perr := cause.OnProxyConnectResponse(ctx, proxyURL, req, resp); perr != nil {
		conn.Close()
		d.Cause, d.Detail = cause.Classify(perr, cause.PhaseProxy)
		return nil
	}
	if br.Buffered() > 0 {
		conn.Close()
		d.Cause, d.Detail = cause.ProxyUnreachable, "forward proxy sent data after its CONNECT answer"
		return nil
	}
	return conn
}

// diagnoseTLS runs the handshake as the run's transport would, but
// verifies the chain itself so that an untrusted chain is still seen.
func (c *Client) diagnoseTLS(ctx context.Context, d *Diagnosis, conn net.Conn, host string) net.Conn {
	var verr error
	cfg := &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: true, // verified below, the way crypto/tls would
		NextProtos:         []string{http2.NextProtoTLS, "http/1.1"},
		VerifyConnection: func(cs tls.ConnectionState) error {
			verr = verifyChain(cs.PeerCertificates, host, c.opts.RootCAs)
			return verr
		},
	}
	tctx, cancel := c.timeout(ctx)
	defer cancel()
	tc := tls.Client(conn, cfg)
	start := time.Now()
	err := tc.HandshakeContext(tctx)
	d.TLSTime = time.Since(start)
	cs := tc.ConnectionState()
	if len(cs.PeerCertificates) > 0 || err == nil {
		d.TLS = tlsInfo(&cs, verr)
	}
	if err != nil {
		if verr != nil {
			err = verr
			if d.TLS == nil {
				d.TLS = tlsInfo(nil, verr)
			}
		}
		d.Cause, d.Detail = cause.Classify(err, cause.PhaseTLS)
		d.markBogon(host)
		return nil
	}
	if d.TLS != nil {
		d.TLS.PublicRoots = publiclyTrusted(cs.PeerCertificates, host)
	}
	return tc
}

// verifyChain is crypto/tls's client verification: the leaf against
// roots (nil: the system's) for host, as a *tls.CertificateVerificationError.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool) error {
	if len(chain) == 0 {
		return errors.New("tls: server presented no certificate")
	}
	inter := x509.NewCertPool()
	for _, cert := range chain[1:] {
		inter.AddCert(cert)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: chain, Err: err}
	}
	return nil
}

// diagnoseHTTP sends one GET for the origin's root and reads the answer's
// head. absolute says the request goes to a forward proxy for an http URL.
func (c *Client) diagnoseHTTP(ctx context.Context, d *Diagnosis, conn net.Conn, u *url.URL, absolute bool) {
	hctx, cancel := c.timeout(ctx)
	defer cancel()
	target := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	req, _ := http.NewRequestWithContext(hctx, http.MethodGet, target.String(), nil)
	start := time.Now()
	var resp *http.Response
	var err error
	if tc, ok := conn.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol == http2.NextProtoTLS {
		var cc *http2.ClientConn
		cc, err = (&http2.Transport{MaxHeaderListSize: maxHeaderBytes}).NewClientConn(tc)
		if err == nil {
			resp, err = cc.RoundTrip(req)
		}
	} else {
		if dl, ok := hctx.Deadline(); ok {
			conn.SetDeadline(dl)
		}
		req.Header.Set("Connection", "close")
		if absolute {
			err = req.WriteProxy(conn)
		} else {
			err = req.Write(conn)
		}
		if err == nil {
			hl := &headLimit{r: conn, n: maxHeaderBytes}
			resp, err = http.ReadResponse(bufio.NewReader(hl), req)
			if err != nil && hl.n <= 0 {
				err = errHeadTooLarge
			}
		}
	}
	d.TTFB = time.Since(start)
	if err != nil {
		d.Cause, d.Detail = cause.Classify(err, cause.PhaseHTTP)
		return
	}
	resp.Body.Close()
	d.StatusCode = resp.StatusCode
	if resp.StatusCode == http.StatusProxyAuthRequired {
		d.Cause, d.Detail = cause.ProxyAuthRequired, "forward proxy answered 407"
	}
}

// maxHeaderBytes bounds the head of every answer read: net/http's
// transport and x/net's HTTP/2 one for the run's requests, headLimit for
// the diagnosis's own reads. The go command stops at 10 MB (net/http's
// default); no module proxy, checksum database or git host needs a
// fraction of 1 MiB, and a server streaming header lines must not grow
// the run's memory by more.
const maxHeaderBytes = 1 << 20

// errHeadTooLarge ends a response head longer than maxHeaderBytes.
var errHeadTooLarge = fmt.Errorf("response head exceeds %d bytes", maxHeaderBytes)

// headLimit passes at most n bytes of r to http.ReadResponse, which
// itself reads a head of any length.
type headLimit struct {
	r io.Reader
	n int64
}

func (l *headLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeadTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
