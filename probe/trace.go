package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

type stateKey struct{}

func withState(ctx context.Context, st *state) context.Context {
	ctx = context.WithValue(ctx, stateKey{}, st)
	st.ctx = ctx
	return httptrace.WithClientTrace(ctx, st.trace())
}

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// state follows one Do call across its attempts and redirects, so that an
// error can be placed in the phase it happened in and each host reached
// gets its own timings.
type state struct {
	c   *Client
	req Request
	ctx context.Context

	mu       sync.Mutex
	attempt  int
	phase    cause.Phase
	host     string // origin (scheme://host) of the hop in flight
	hosts    []string
	hopStart time.Time
	finalURL string
	body     []byte
	spool    *os.File // Request.SpoolTo's file, reused across attempts
	hops     []hop
	conn     connInfo
	// opened releases the requests waiting for this origin's first
	// connection (dialGates).
	opened func()
}

// hop is one request/response exchange with one host.
type hop struct {
	origin   string
	status   int
	duration time.Duration
	conn     connInfo
}

// connInfo is what the trace saw of a new connection.
type connInfo struct {
	reused                bool
	addrs                 []string
	dns, connect, tlsTime time.Duration
	ttfb                  time.Duration
	tls                   *tls.ConnectionState
	tlsErr                error
	viaProxy              string
	resolved              bool // addrs came from DNS, not an IP literal
	// got: the request has its connection. A dial it started may still
	// run (net/http hands a request whichever connection is free first)
	// and report its phases; they no longer say where this request is.
	got bool

	dnsStart, connectStart, tlsStart, wrote time.Time
}

func newState(c *Client, r Request) *state {
	st := &state{c: c, req: r, phase: cause.PhaseDNS}
	st.startHop(r.URL)
	return st
}

func (st *state) ctxDeadline() (time.Time, bool) { return st.ctx.Deadline() }

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

func (st *state) startHop(raw string) {
	st.host = originOf(raw)
	st.finalURL = raw
	st.hopStart = time.Now()
	st.conn = connInfo{}
	if len(st.hosts) == 0 || st.hosts[len(st.hosts)-1] != st.host {
		st.hosts = append(st.hosts, st.host)
	}
	if u, err := url.Parse(raw); err == nil {
		st.conn.viaProxy = st.c.ProxyFor(u)
	}
}

// endHopLocked ends the hop in flight; trace callbacks of a dial that
// lost a happy-eyeballs race may still be writing st.conn.
func (st *state) endHopLocked(status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.endHop(status)
}

// endHop ends the hop in flight; st.mu must be held.
func (st *state) endHop(status int) {
	st.hops = append(st.hops, hop{origin: st.host, status: status, duration: time.Since(st.hopStart), conn: st.conn})
}

func (st *state) beginAttempt(n int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.attempt = n
	st.phase = cause.PhaseDNS
	st.body = nil
	if n > 0 {
		st.startHop(st.req.URL)
	}
}

func (st *state) redirect(next *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	status := 0
	if next.Response != nil {
		status = next.Response.StatusCode
	}
	st.endHop(status)
	st.startHop(next.URL.String())
	st.phase = cause.PhaseDNS
}

func (st *state) setPhase(p cause.Phase) {
	st.mu.Lock()
	st.phase = p
	st.mu.Unlock()
}

func (st *state) trace() *httptrace.ClientTrace {
	lock := func(f func()) { st.mu.Lock(); f(); st.mu.Unlock() }
	return &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			st.opened()
			lock(func() {
				st.conn.reused = i.Reused
				st.conn.got = true
				if st.phase < cause.PhaseHTTP {
					st.phase = cause.PhaseHTTP
				}
			})
		},
		DNSStart: func(httptrace.DNSStartInfo) {
			lock(func() {
				if !st.conn.got {
					st.phase = cause.PhaseDNS
				}
				st.conn.dnsStart = time.Now()
			})
		},
		DNSDone: func(i httptrace.DNSDoneInfo) {
			lock(func() {
				st.conn.dns = time.Since(st.conn.dnsStart)
				st.conn.resolved = i.Err == nil
				if st.conn.viaProxy != "" {
					return // the forward proxy's addresses, not the origin's
				}
				for _, a := range i.Addrs {
					st.conn.addrs = append(st.conn.addrs, a.IP.String())
				}
			})
		},
		ConnectStart: func(_, addr string) {
			lock(func() {
				switch {
				case st.conn.got:
				case st.conn.viaProxy != "":
					st.phase = cause.PhaseProxy
				default:
					st.phase = cause.PhaseConnect
				}
				if st.conn.connectStart.IsZero() {
					st.conn.connectStart = time.Now()
				}
			})
		},
		ConnectDone: func(_, addr string, err error) {
			lock(func() {
				if err == nil {
					st.conn.connect = time.Since(st.conn.connectStart)
					if st.conn.viaProxy == "" && len(st.conn.addrs) == 0 {
						st.conn.addrs = append(st.conn.addrs, hostOnly(addr))
					}
				}
			})
		},
		TLSHandshakeStart: func() {
			lock(func() {
				if !st.conn.got {
					st.phase = cause.PhaseTLS
				}
				st.conn.tlsStart = time.Now()
			})
		},
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			lock(func() {
				st.conn.tlsTime = time.Since(st.conn.tlsStart)
				st.conn.tls = &cs
				st.conn.tlsErr = err
				if err == nil && st.req.Insecure {
					// Unverified by request: record honestly whether
					// the certificate would have verified.
					st.conn.tlsErr = verifyChain(cs.PeerCertificates, cs.ServerName, st.c.opts.RootCAs)
				}
				if err == nil && !st.conn.got {
					st.phase = cause.PhaseHTTP
				}
			})
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			lock(func() { st.phase = cause.PhaseHTTP; st.conn.wrote = time.Now() })
		},
		GotFirstResponseByte: func() {
			lock(func() { st.conn.ttfb = time.Since(st.hopStart) })
		},
	}
}

func hostOnly(addr string) string {
	if u, err := url.Parse("//" + addr); err == nil {
		return u.Hostname()
	}
	return addr
}

// classify names the cause of an error in the phase it happened.
func (st *state) classify(err error) (cause.Code, string) {
	st.mu.Lock()
	phase := st.phase
	st.mu.Unlock()
	if errors.Is(err, context.DeadlineExceeded) && st.ctx.Err() != nil {
		return cause.Timeout, "the run's deadline was reached"
	}
	code, detail := cause.Classify(st.c.namedServer(err), phase)
	return code, goenv.Redact(detail)
}

// bogon turns a failed connection to a host whose name resolved only to
// reserved addresses into dns_bogon (contract §5). Through a forward
// proxy the addresses are the proxy's, which may well be private.
func (st *state) bogon(res *Result) {
	if !cause.BogonEvidence(res.Cause) {
		return
	}
	st.mu.Lock()
	c := st.conn
	host := st.host
	st.mu.Unlock()
	if c.viaProxy != "" || !c.resolved {
		return
	}
	var addrs []netip.Addr
	for _, a := range c.addrs {
		if ip, err := netip.ParseAddr(a); err == nil {
			addrs = append(addrs, ip)
		}
	}
	if u, err := url.Parse(host); err == nil && bogonAnswer(u.Hostname(), addrs) {
		res.Detail = fmt.Sprintf("%s resolved only to reserved addresses %s (resolver: %s), and then: %s: %s",
			u.Hostname(), strings.Join(c.addrs, ", "), st.c.resolverName, res.Cause, res.Detail)
		res.Cause = cause.DNSBogon
	}
}

// redact is goenv.Redact(u), reusing the request's redacted URL when u
// is the request's URL (no redirect): most requests need one Redact, not
// three.
func (st *state) redact(u, redactedReq string) string {
	if u == st.req.URL {
		return redactedReq
	}
	return goenv.Redact(u)
}

// finish fills in the result's status, body and cause.
func (st *state) finish(resp *http.Response, err error, res *Result) {
	st.mu.Lock()
	body := st.body
	st.mu.Unlock()
	if resp != nil {
		res.StatusCode = resp.StatusCode
		res.Header = resp.Header
		res.Final = st.redact(resp.Request.URL.String(), res.URL)
	}
	if err != nil {
		res.Cause, res.Detail = st.classify(err)
		st.bogon(res)
		st.endHopLocked(res.StatusCode)
		return
	}
	st.endHopLocked(resp.StatusCode)
	res.Body = body
	want := st.req.Want
	if st.req.Method == http.MethodHead || st.req.Range {
		want = cause.WantZip
	}
	res.Cause, res.Detail = cause.FromResponse(resp.StatusCode, resp.Header, body, want, len(st.hosts) > 1)
	if res.Cause == cause.OK && st.req.Range && resp.StatusCode != http.StatusPartialContent && resp.StatusCode != http.StatusOK {
		res.Cause, res.Detail = cause.BadResponse, "range request answered "+resp.Status
	}
}

// spoolBody copies at most max bytes of body to the request's spool file,
// truncating what an earlier attempt left, and drains the rest (bounded)
// so that a truncated body still shows as an error.
func (st *state) spoolBody(body io.Reader, dir string, max int64) error {
	if st.spool == nil {
		f, err := os.CreateTemp(dir, "gopreflight-*.zip")
		if err != nil {
			return fmt.Errorf("spooling the body: %w", err)
		}
		st.spool = f
	} else if err := st.spool.Truncate(0); err != nil {
		return fmt.Errorf("spooling the body: %w", err)
	} else if _, err := st.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spooling the body: %w", err)
	}
	if _, err := io.Copy(st.spool, io.LimitReader(body, max)); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, io.LimitReader(body, MaxDrain))
	return err
}
