package probe

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

// Endpoint is what the requests of a run showed about one origin
// (scheme://host:port).
type Endpoint struct {
	Origin    string
	Host      string
	Role      Role // role of the first request naming it; "redirect" when reached only by redirect
	Addresses []string
	Via       string // forward proxy, redacted
	// First is the first new connection's timing.
	DNS, Connect, TLSTime, TTFB time.Duration
	TLS                         *TLSInfo
	Latencies                   []time.Duration
	Requests                    int
	Failures                    map[cause.Code]int
	// Answered: at least one request got a protocol answer (not a block
	// page or a proxy refusal).
	Answered bool
	// LastCause and LastDetail describe the most recent failure.
	LastCause  cause.Code
	LastDetail string
	// RedirectedFrom lists the origins whose answers redirected here.
	RedirectedFrom []string
	// Diagnosis is the phase-by-phase probe of the endpoint, once
	// StartDiagnosis has run it; nil before.
	Diagnosis *Diagnosis
}

// TLSInfo describes a handshake.
type TLSInfo struct {
	Version         string
	Subject, Issuer string
	Trusted         bool
	// PublicRoots: the chain also verifies against Mozilla's public roots
	// (set by the diagnosis only). Trusted without it means a locally
	// installed CA.
	PublicRoots bool
}

// Endpoints collects per-origin statistics; safe for concurrent use.
type Endpoints struct {
	mu    sync.Mutex
	m     map[string]*Endpoint
	order []string
	// onNew, when set, is called (with mu held) for each new origin.
	onNew func(origin string)
}

func newEndpoints() *Endpoints { return &Endpoints{m: map[string]*Endpoint{}} }

// Register adds an endpoint with a role before any request reaches it, so
// that a host the run never got to still shows.
func (e *Endpoints) Register(rawURL string, role Role) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ep := e.get(originOf(rawURL), role)
	if ep.Role == RoleRedirect && role != RoleRedirect {
		ep.Role = role
	}
}

// Role is what a host is to the build: the JSON report's endpoint role
// (docs/contract.md, section 6).
type Role string

// Endpoint roles.
const (
	RoleProxy     Role = "proxy"     // a GOPROXY entry
	RoleCandidate Role = "candidate" // a proxy measured beside GOPROXY, not used by the build
	RoleSumDB     Role = "sumdb"     // the checksum database
	RoleVCS       Role = "vcs"       // a direct route's discovery or git host
	RoleToolchain Role = "toolchain" // a host first asked for a toolchain module
	// RoleForwardProxy is the role of the HTTPS_PROXY / HTTP_PROXY that
	// requests went through.
	RoleForwardProxy Role = "forward_proxy"
	// RoleRedirect is the role of a host reached only through redirects.
	RoleRedirect Role = "redirect"
)

func (e *Endpoints) get(origin string, role Role) *Endpoint {
	ep := e.m[origin]
	if ep == nil {
		host := origin
		if u, err := url.Parse(origin); err == nil {
			host = u.Hostname()
		}
		ep = &Endpoint{Origin: goenv.Redact(origin), Host: host, Role: role, Failures: map[cause.Code]int{}}
		e.m[origin] = ep
		e.order = append(e.order, origin)
		// A forward proxy is no origin to probe: the diagnosis of each
		// origin behind it already goes through it.
		if e.onNew != nil && role != RoleForwardProxy {
			e.onNew(origin)
		}
	}
	return ep
}

func (e *Endpoints) record(st *state, res Result) {
	st.mu.Lock()
	hops := append([]hop(nil), st.hops...)
	phase := st.phase
	st.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, h := range hops {
		if h.conn.viaProxy != "" {
			last := i == len(hops)-1
			e.recordProxy(h.conn.viaProxy, res, last && proxyFault(res.Cause, phase))
		}
		role := st.req.Role
		if h.origin != originOf(st.req.URL) {
			role = RoleRedirect
		}
		ep := e.get(h.origin, role)
		if i > 0 && hops[i-1].origin != h.origin {
			ep.RedirectedFrom = appendNew(ep.RedirectedFrom, goenv.Redact(hops[i-1].origin))
		}
		ep.Requests++
		ep.Latencies = append(ep.Latencies, h.duration)
		c := h.conn
		if ep.Via == "" {
			ep.Via = c.viaProxy
		}
		if len(ep.Addresses) == 0 && len(c.addrs) > 0 {
			ep.Addresses = dedupe(c.addrs)
		}
		if !c.reused && ep.Connect == 0 && c.connect > 0 {
			ep.DNS, ep.Connect, ep.TLSTime, ep.TTFB = c.dns, c.connect, c.tlsTime, c.ttfb
		}
		if c.tls != nil && (ep.TLS == nil || !ep.TLS.Trusted) {
			ep.TLS = tlsInfo(c.tls, c.tlsErr)
		}
		last := i == len(hops)-1
		if !last {
			ep.Answered = true // it answered with a redirect
			continue
		}
		switch res.Cause {
		case cause.OK, cause.NotFound:
			ep.Answered = true
		default:
			if res.StatusCode > 0 && res.Cause != cause.BlockPage && res.Cause != cause.ProxyAuthRequired {
				ep.Answered = true
			}
			ep.Failures[res.Cause]++
			ep.LastCause, ep.LastDetail = res.Cause, res.Detail
			if c.tlsErr != nil && ep.TLS == nil {
				ep.TLS = tlsInfo(c.tls, c.tlsErr)
			}
		}
	}
}

// recordProxy counts a request through the forward proxy at proxyURL
// (redacted) on the proxy's own endpoint: the one egress the runner
// really needs. fault says the request failed at the proxy (dialing it,
// or its answer to CONNECT), which is then the proxy's failure too.
func (e *Endpoints) recordProxy(proxyURL string, res Result, fault bool) {
	ep := e.get(originOf(proxyURL), RoleForwardProxy)
	ep.Requests++
	if !fault {
		ep.Answered = true // it relayed the request
		return
	}
	ep.Failures[res.Cause]++
	ep.LastCause, ep.LastDetail = res.Cause, res.Detail
}

// proxyFault says whether a request that ended with c in phase p failed
// at the forward proxy rather than at the origin behind it.
func proxyFault(c cause.Code, p cause.Phase) bool {
	switch c {
	case cause.OK, cause.NotFound:
		return false
	case cause.ProxyUnreachable, cause.ProxyAuthRequired:
		return true
	}
	return p == cause.PhaseProxy
}

func tlsInfo(cs *tls.ConnectionState, err error) *TLSInfo {
	ti := &TLSInfo{Trusted: err == nil}
	if cs != nil {
		if cs.Version != 0 {
			ti.Version = tls.VersionName(cs.Version)
		}
		if len(cs.PeerCertificates) > 0 {
			ti.Subject = name(cs.PeerCertificates[0].Subject)
			ti.Issuer = name(cs.PeerCertificates[0].Issuer)
		}
	}
	if err != nil && ti.Issuer == "" {
		ti.Subject, ti.Issuer = cause.PresentedCert(err)
	}
	return ti
}

func appendNew(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func name(n pkix.Name) string { return n.String() }

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// List returns a copy of every endpoint in first-seen order.
func (e *Endpoints) List() []Endpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Endpoint, 0, len(e.order))
	for _, o := range e.order {
		ep := *e.m[o]
		ep.Latencies = append([]time.Duration(nil), ep.Latencies...)
		ep.RedirectedFrom = append([]string(nil), ep.RedirectedFrom...)
		if d := ep.Diagnosis; d != nil {
			dc := *d
			ep.Diagnosis = &dc
		}
		ep.Failures = make(map[cause.Code]int, len(e.m[o].Failures))
		for k, v := range e.m[o].Failures {
			ep.Failures[k] = v
		}
		out = append(out, ep)
	}
	return out
}

// Quantile returns the q-quantile (0..1) of d, nearest-rank.
func Quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}
