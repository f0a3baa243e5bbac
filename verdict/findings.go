package verdict

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
)

// findings correlates module and endpoint results into the few
// conclusions a person reads first, most severe first: each names the
// cause, the host where it happened and the change that fixes it.
//
// Failing modules are grouped by the endpoint that failed them (a
// redirect target rather than the proxy that redirected there; for TLS
// interception, the intercepting issuer), then endpoints add what no
// module failure shows: interception by a locally trusted CA, a broken
// IPv6 path, split-horizon answers, an unreachable checksum database.
func (res result) findings(rep *Verdict) []Finding {
	fc := &findingContext{rep: rep, res: res, eps: map[string]*probe.Endpoint{}, reps: map[string]*checks.Endpoint{}, resolver: res.Resolver}
	for i := range res.Endpoints {
		fc.eps[res.Endpoints[i].Origin] = &res.Endpoints[i]
	}
	for i := range rep.Endpoints {
		fc.reps[rep.Endpoints[i].URL] = &rep.Endpoints[i]
	}
	fc.covered = map[string]bool{}
	out := fc.moduleFindings(fc.rep.Modules)
	out = append(out, fc.coldFindings()...)
	out = append(out, res.slowFindings()...)
	out = append(out, fc.endpointFindings()...)
	return out
}

type findingContext struct {
	rep      *Verdict
	res      result
	eps      map[string]*probe.Endpoint
	reps     map[string]*checks.Endpoint
	resolver string
	covered  map[string]bool // endpoints a module finding already names
}

type groupKey struct {
	status checks.Status
	cause  cause.Code
	where  string // culprit endpoint URL, the issuer for interception, else via
	via    string
}

func (fc *findingContext) moduleFindings(mods []checks.Module) []Finding {
	groups := map[groupKey][]string{}
	culprits := map[groupKey][]string{}
	details := map[groupKey]string{} // the first module's detail
	var order []groupKey
	problem := map[string]bool{} // module versions with an input problem
	for _, t := range fc.res.Plan.Targets {
		if t.Problem != "" {
			problem[t.ID()] = true
		}
	}
	for _, m := range mods {
		switch m.Status {
		case checks.StatusOK, checks.StatusSkipped, checks.StatusChecksumMismatch, checks.StatusMissingSum:
			continue // checksum verdicts have their own findings (sumFindings)
		}
		if problem[m.ID()] || goenv.NoHost(m.Via) {
			continue // an input problem, not a route's (inputFindings)
		}
		k := groupKey{status: m.Status, cause: m.Cause, via: m.Via}
		ep := fc.culprit(m)
		if m.Status != checks.StatusNotFound && ep != nil {
			k.where = ep.URL
			if m.Cause == cause.TLSUnknownAuthority && ep.TLS != nil && ep.TLS.Issuer != "" {
				k.where, k.via = "issuer:"+ep.TLS.Issuer, ""
			}
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
			details[k] = m.Detail
		}
		groups[k] = append(groups[k], m.ID())
		if ep != nil && !slices.Contains(culprits[k], ep.URL) {
			culprits[k] = append(culprits[k], ep.URL)
		}
	}
	var out []Finding
	for _, k := range order {
		var eps []*checks.Endpoint
		for _, u := range culprits[k] {
			eps = append(eps, fc.reps[u])
			fc.covered[u] = true
		}
		out = append(out, fc.moduleFinding(k, groups[k], eps, details[k]))
	}
	return out
}

// coldFindings: a version the module cache served, whose route fails, is
// a warning naming the host and cause (a cold cache would fail there),
// never a failed gate; behind GOPROXY=off it is a notice.
func (fc *findingContext) coldFindings() []Finding {
	var mods []checks.Module
	var altered, off []string
	mirrors := map[string]bool{}
	detail := ""
	for i, t := range fc.res.Plan.Targets {
		o := fc.res.Outcomes[i]
		if o.Cold == nil || o.Via != checks.ViaCache || o.Status != checks.StatusOK {
			continue // the cache's own verdict is the finding
		}
		switch o.Cold.Status {
		case checks.StatusOK, checks.StatusMissingSum, checks.StatusSkipped:
			// missing_sum does not depend on the cache: judged already.
		case checks.StatusTimeout:
			// The deadline came first: a route never asked, or a slow one
			// still answering, has not shown that it would fail.
			if o.Cold.Via != "" && !fc.res.slowRoute(o.Cold.Via) {
				mods = append(mods, checks.ModuleOf(t, *o.Cold))
			}
		case checks.StatusUnreachable:
			if o.Cold.Via == goenv.Off {
				off = append(off, t.ID())
			} else {
				mods = append(mods, checks.ModuleOf(t, *o.Cold))
			}
		case checks.StatusChecksumMismatch:
			if o.Cold.Sum.Kind != checks.MismatchMirror {
				continue // go.sum or the database: not the route's doing
			}
			altered = append(altered, t.ID())
			mirrors[o.Cold.Via] = true
			if detail == "" {
				detail = o.Cold.Detail
			}
		default:
			mods = append(mods, checks.ModuleOf(t, *o.Cold))
		}
	}
	var out []Finding
	for _, f := range fc.moduleFindings(mods) {
		f.Severity = SeverityWarning
		f.Title = "served from the module cache; a cold cache would fail: " + f.Title
		out = append(out, f)
	}
	if len(off) > 0 {
		them := "them"
		if len(off) == 1 {
			them = "it"
		}
		out = append(out, Finding{
			Severity: SeverityNotice, Cause: cause.NotFound,
			Title:     fmt.Sprintf("%s served from the module cache; with GOPROXY=off a cold cache could not fetch %s", moduleSubject(off), them),
			Detail:    "GOPROXY=off forbids downloads: this build works only while GOMODCACHE holds these versions.",
			Advice:    "Keep the module cache (restore it in CI), vendor the dependencies (go mod vendor), or set a GOPROXY for cache misses.",
			Endpoints: []string{}, Modules: off,
		})
	}
	if len(altered) > 0 {
		var eps []string
		for m := range mirrors {
			eps = append(eps, m)
		}
		sort.Strings(eps)
		out = append(out, Finding{
			Severity: SeverityWarning, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("served from the module cache; a cold cache would fail: %s serves bytes that do not match for %s", strings.Join(eps, ", "), moduleSubject(altered)),
			Detail:    detail,
			Advice:    "The cached copies match go.sum; the route's do not. Treat the mirror as corrupted or compromised for these versions and report it to its operator before a cache miss sends a build there.",
			Endpoints: eps, Modules: altered,
		})
	}
	return out
}

// culprit is the endpoint whose failure decided m: the host of its last
// failing attempt or, when that proxy redirected to a host that then
// failed the same way, the redirect target.
func (fc *findingContext) culprit(m checks.Module) *checks.Endpoint {
	origin := ""
	for _, a := range m.Attempts {
		if a.Cause == m.Cause && a.URL != "" {
			origin = originOf(a.URL)
		}
	}
	if origin == "" {
		origin = originOf(m.Via)
	}
	for _, e := range fc.rep.Endpoints {
		if e.Role != probe.RoleRedirect || e.Cause != m.Cause {
			continue
		}
		if pe := fc.eps[e.URL]; pe != nil && slices.Contains(pe.RedirectedFrom, origin) {
			return fc.reps[e.URL]
		}
	}
	// A request that failed at the forward proxy (dial, CONNECT) failed
	// there, not at the origin behind it.
	if e := fc.reps[origin]; e != nil && e.Via != "" {
		if p := fc.reps[originOf(e.Via)]; p != nil && p.Role == probe.RoleForwardProxy && p.Cause == m.Cause {
			return p
		}
	}
	return fc.reps[origin]
}

func (fc *findingContext) moduleFinding(k groupKey, mods []string, eps []*checks.Endpoint, detail string) Finding {
	f := Finding{Severity: SeverityError, Cause: k.cause, Modules: mods, Endpoints: []string{}}
	for _, e := range eps {
		f.Endpoints = append(f.Endpoints, e.URL)
	}
	if k.via != "" && k.via != goenv.Direct && !slices.Contains(f.Endpoints, k.via) {
		f.Endpoints = append(f.Endpoints, k.via)
	}
	subject := moduleSubject(mods)
	switch {
	case k.via == goenv.Off && fc.res.Config.Offline:
		f.Title = fmt.Sprintf("%s not in the module cache: the build cannot work offline", isAre(subject, len(mods)))
		f.Detail = fmt.Sprintf("--offline judges from the module cache (%s), vendor/ and file:// GOPROXY directories only, and sent no request.", orDefault(fc.res.Config.ModCache, "no GOMODCACHE"))
		f.Advice = "Where the network works, fill the module cache with `go mod download` and the versions below (keep the cache, or copy it), or build a file:// mirror: its cache/download directory is a GOPROXY, so copy $GOMODCACHE/cache/download to the offline machine and set GOPROXY=file:///path/to/download. `go mod vendor` also makes the build need nothing."
		f.Fix = "go mod download " + strings.Join(mods, " ")
		f.Endpoints = []string{}
		return f
	case k.via == goenv.Off:
		f.Title = fmt.Sprintf("GOPROXY=off: %s not in the module cache", isAre(subject, len(mods)))
		f.Detail = "GOPROXY=off forbids downloads: the build can use only what GOMODCACHE already holds (the proxy never said \"not found\"; nothing was asked)."
		f.Advice = "Fill the module cache where downloads are allowed (go mod download), vendor the dependencies (go mod vendor), or set a GOPROXY."
		f.Endpoints = []string{}
		return f
	case k.status == checks.StatusNotFound:
		f.Title = fmt.Sprintf("%s not found on %s", subject, k.via)
		f.Detail = "The server answered 404/410: the version does not exist there. This is not network interference. " + fc.versionsDetail(mods)
		f.Advice = "Check the version in go.mod (a typo or a deleted tag), or, for a private module, set GOPRIVATE so that the go command fetches it directly."
		return f
	}
	var ep *checks.Endpoint
	if len(eps) > 0 {
		ep = eps[0]
	}
	if k.status == checks.StatusTimeout && k.via == "" && ep == nil {
		// Never asked: no host is to blame.
		verb := " were"
		if len(mods) == 1 {
			verb = " was"
		}
		f.Title = subject + verb + " not asked before the run's deadline"
		f.Detail = "The deadline (--timeout) came before these versions' turn; the routes that were asked are named in the other findings."
		f.Advice = "Raise --timeout, or fix what made the routes that were asked slow."
		return f
	}
	what, advice, fix := fc.explain(k.cause, ep, eps, k.via)
	f.Title = fmt.Sprintf("%s cannot be fetched: %s", subject, what)
	f.Detail = detail
	if k.status == checks.StatusTimeout && k.cause == cause.Timeout {
		advice = "Raise --timeout or --request-timeout, or check the network path: " + advice
	}
	f.Advice, f.Fix = advice, fix
	return f
}

// explain says what a cause means at an endpoint, what to change and, where
// a copy-paste fix exists, the fix.
func (fc *findingContext) explain(c cause.Code, ep *checks.Endpoint, eps []*checks.Endpoint, via string) (what, advice, fix string) {
	host, hp := via, hostPortOf(via)
	var role probe.Role
	var pe *probe.Endpoint
	if ep != nil {
		host, hp, role = ep.Host, hostPortOf(ep.URL), ep.Role
		pe = fc.eps[ep.URL]
	}
	fwd := ""
	if ep != nil && ep.Via != "" {
		fwd = ep.Via
	}
	if ep != nil && ep.Role == probe.RoleForwardProxy {
		fwd = ep.URL
	}
	switch c {
	case cause.DNSNXDomain:
		what = host + " does not resolve (NXDOMAIN)"
	case cause.DNSTimeout:
		what = "the resolver does not answer for " + host
	case cause.DNSFailure:
		what = "resolving " + host + " fails (SERVFAIL or refused)"
	case cause.DNSBogon:
		addrs := ""
		if ep != nil {
			addrs = " (" + strings.Join(ep.Addresses, ", ") + ")"
		}
		what = host + " resolves only to reserved addresses" + addrs + " and the connection there fails: a DNS sinkhole or tampering"
	case cause.TCPRefused:
		what = "connections to " + hp + " are refused (RST: closed port or a REJECT rule)"
	case cause.TCPTimeout:
		what = "outbound connections to " + hp + " are dropped (no answer to SYN)"
	case cause.TCPUnreachable:
		what = hp + " is unreachable (no route to the host or network)"
	case cause.TCPReset:
		what = "connections to " + hp + " are reset"
	case cause.TLSReset:
		what = "the TLS handshake with " + hp + " is reset after ClientHello (SNI filtering)"
	case cause.TLSTimeout:
		what = "the TLS handshake with " + hp + " never completes"
	case cause.TLSUnknownAuthority:
		issuer := "an unknown issuer"
		var hosts []string
		for _, e := range eps {
			hosts = append(hosts, e.Host)
			if e.TLS != nil && e.TLS.Issuer != "" {
				issuer = e.TLS.Issuer
			}
		}
		if len(hosts) == 0 {
			hosts = []string{host}
		}
		what = fmt.Sprintf("TLS to %s is intercepted by %q", strings.Join(hosts, ", "), issuer)
		advice = "Give the runner that CA: point SSL_CERT_FILE at a PEM bundle that includes it (gopreflight also takes --ca-file), or use a route without interception."
		fix = "export SSL_CERT_FILE=/path/to/bundle-with-" + fileSafe(commonName(issuer)) + ".pem"
		return what, advice, fix
	case cause.TLSHostnameMismatch:
		what = hp + " presents a certificate for another name (a redirecting middlebox?)"
	case cause.TLSExpired:
		what = hp + " presents an expired or not yet valid certificate (or the runner's clock is wrong)"
	case cause.TLSPlaintext:
		what = "something answers " + hp + " without TLS (a filter or captive portal)"
	case cause.TLSFailure:
		what = "the TLS handshake with " + hp + " fails"
	case cause.ProxyUnreachable:
		what = "the forward proxy " + orDefault(fwd, "(HTTPS_PROXY)") + " cannot be reached"
		advice = "Check HTTPS_PROXY / HTTP_PROXY and NO_PROXY: the proxy they name must be reachable from the runner."
		return what, advice, ""
	case cause.ProxyAuthRequired:
		what = "the forward proxy " + orDefault(fwd, "(HTTPS_PROXY)") + " requires credentials (407)"
		advice = "Put the proxy's credentials in HTTPS_PROXY (and HTTP_PROXY), percent-encoded."
		fix = "export HTTPS_PROXY=http://USER:PASSWORD@" + orDefault(hostPortOf(fwd), "PROXY:PORT")
		return what, advice, fix
	case cause.HTTPUnauthorized:
		what = hp + " answers 401: credentials are missing or wrong"
		if via == goenv.Direct || role == probe.RoleVCS {
			advice = "Give git and the go command credentials for " + host + ": a ~/.netrc line, or a git insteadOf URL carrying a token."
			fix = "echo 'machine " + host + " login USER password TOKEN' >> ~/.netrc\ngit config --global url.\"https://USER:TOKEN@" + host + "/\".insteadOf \"https://" + host + "/\""
		} else {
			advice = "The proxy wants credentials: a ~/.netrc line for " + host + " (or GOAUTH)."
			fix = "echo 'machine " + host + " login USER password TOKEN' >> ~/.netrc"
		}
		return what, advice, fix
	case cause.HTTPForbidden:
		what = hp + " answers 403 Forbidden"
		advice = "The server or a policy in front of it refuses the request; check access rights for " + host + "."
		return what, advice, ""
	case cause.BlockPage:
		what = hp + " answers with an HTML page (a block page, login or captive portal) instead of the module"
		advice = "A filter answers in the server's place: allow " + hp + " in it, or log the runner in to the portal."
		return what, advice, "allow egress to " + hp
	case cause.RateLimited:
		what = hp + " rate-limits the requests (429)"
		advice = "Lower --concurrency, wait for Retry-After, or chain another proxy after a '|' in GOPROXY."
		return what, advice, ""
	case cause.ServerError:
		what = hp + " fails with server errors (5xx or HTTP/2 stream resets)"
		advice = "The server is failing, not the network: retry later, or chain another proxy after a '|' in GOPROXY."
		return what, advice, ""
	case cause.BadResponse:
		what = hp + " serves malformed or truncated answers"
		advice = "Something between the runner and " + host + " alters or cuts answers, or the server is broken."
		return what, advice, ""
	case cause.Timeout:
		what = hp + " accepts the request but does not answer in time"
		advice = "A stalling middlebox or an overloaded server."
		return what, advice, ""
	case cause.VCSFailure:
		what = "the repository route via " + hp + " fails"
		advice = "The host answers, but not as the go command's direct route expects (go-import meta tag, git smart HTTP)."
		return what, advice, ""
	default:
		what = hp + ": " + string(c)
		return what, "See the endpoint's cause and detail.", ""
	}
	return fc.networkAdvice(c, ep, pe, what, host, hp, role)
}

// networkAdvice completes explain for the causes of the resolver, the
// connection and TLS: say which resolver, and where an alternative route
// exists, name it.
func (fc *findingContext) networkAdvice(c cause.Code, ep *checks.Endpoint, pe *probe.Endpoint, what, host, hp string, role probe.Role) (string, string, string) {
	dnsCause := c == cause.DNSNXDomain || c == cause.DNSTimeout || c == cause.DNSFailure || c == cause.DNSBogon
	if dnsCause && fc.resolver != "" && (ep == nil || ep.Via == "") {
		what += "; resolver in use: " + fc.resolver
	}
	switch {
	case role == probe.RoleRedirect && pe != nil && len(pe.RedirectedFrom) > 0:
		from := strings.Join(pe.RedirectedFrom, ", ")
		advice := fmt.Sprintf("Allow %s: %s answers but redirects downloads there, and the go command follows the redirect.", hp, from)
		return what + " (" + from + " redirects downloads there)", advice, "allow egress to " + hp
	case role == probe.RoleSumDB && dnsCause:
		return what, fc.sumdbAdvice(host), ""
	case !dnsCause && localPlace(ep) != "":
		alt := fc.alternative(ep)
		if alt != "" {
			return what, localAdvice(c, ep, hp, alt), "GOPROXY=" + alt + ",direct"
		}
		return what, localAdvice(c, ep, hp, ""), ""
	case role == probe.RoleProxy || role == probe.RoleToolchain:
		if alt := fc.alternative(ep); alt != "" {
			advice := fmt.Sprintf("%s answers from here: use it instead, keeping direct for private modules.", alt)
			return what, advice, "GOPROXY=" + alt + ",direct"
		}
	}
	if dnsCause {
		return what, "Use a resolver that answers " + host + " truthfully, or ask whoever runs this one (it may filter the name).", ""
	}
	return what, "Allow outbound " + hp + " in the firewall or egress policy of the runner.", "allow egress to " + hp
}

// localPlace says where ep's addresses are when none of them is out on
// the internet: "on this machine (loopback)" or "on a private network",
// else "". There no egress firewall stands between the runner and the
// server, so advice to open one would send the reader the wrong way.
func localPlace(ep *checks.Endpoint) string {
	if ep == nil {
		return ""
	}
	addrs := ep.Addresses
	if ip, err := netip.ParseAddr(strings.Trim(ep.Host, "[]")); err == nil {
		addrs = []string{ip.String()}
	}
	if len(addrs) == 0 {
		return ""
	}
	loopback, private := true, true
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return ""
		}
		ip = ip.Unmap()
		loopback = loopback && ip.IsLoopback()
		private = private && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
	}
	switch {
	case loopback:
		return "on this machine (loopback)"
	case private:
		return "on a private network"
	}
	return ""
}

// localAdvice is the advice for a connection that fails at a loopback or
// private address: the server process, not a firewall, is the suspect.
func localAdvice(c cause.Code, ep *checks.Endpoint, hp, alt string) string {
	what := map[probe.Role]string{
		probe.RoleProxy: "proxy", probe.RoleCandidate: "proxy", probe.RoleToolchain: "proxy",
		probe.RoleForwardProxy: "proxy", probe.RoleSumDB: "checksum database", probe.RoleVCS: "git server",
	}[ep.Role]
	if what == "" {
		what = "server"
	}
	place := localPlace(ep)
	var advice string
	switch c {
	case cause.TCPRefused:
		advice = fmt.Sprintf("%s is %s, and nothing listens there: the %s process is down or the port is wrong. Start it, or correct the address where it is configured.", hp, place, what)
	case cause.TCPTimeout, cause.TLSTimeout, cause.Timeout:
		advice = fmt.Sprintf("%s is %s: the %s process there accepts no connection or answers too slowly (hung or overloaded). Restart it or give it resources.", hp, place, what)
	case cause.TLSReset, cause.TLSHostnameMismatch, cause.TLSExpired, cause.TLSPlaintext, cause.TLSFailure:
		advice = fmt.Sprintf("%s is %s, so no egress policy is involved: check the TLS setup of the %s listening there (its certificate, the names and dates in it, TLS on that port at all).", hp, place, what)
	default:
		advice = fmt.Sprintf("%s is %s, so no egress policy is involved: the %s process there, or another program on that port, breaks the connection; check what runs on %s.", hp, place, what, hp)
	}
	if alt != "" {
		advice += fmt.Sprintf(" Meanwhile %s answers from here: use it, keeping direct for private modules.", alt)
	}
	return advice
}

// sumdbAdvice: the go command reaches the checksum database through the
// first GOPROXY entry that proxies it unless GOSUMDB names a URL.
func (fc *findingContext) sumdbAdvice(host string) string {
	for _, r := range fc.rep.Ranking {
		if r.SumDBProxied {
			return fmt.Sprintf("%s proxies the checksum database: leave the URL out of GOSUMDB (name and key only) so the go command reaches it there; for private modules that the database cannot know, set GONOSUMDB.", r.URL)
		}
	}
	return "The go command needs " + host + " only for modules missing from go.sum: allow it, set GOSUMDB to a database the runner reaches, or for private modules set GONOSUMDB."
}

// alternative names a proxy or candidate other than ep that answered,
// preferring the ranking's best complete one.
func (fc *findingContext) alternative(ep *checks.Endpoint) string {
	for _, r := range fc.rep.Ranking {
		if r.Complete && (ep == nil || r.URL != ep.URL) {
			return r.URL
		}
	}
	for _, e := range fc.rep.Endpoints {
		if (e.Role == probe.RoleCandidate || e.Role == probe.RoleProxy) && e.Reachable && e.Cause == cause.OK && (ep == nil || e.URL != ep.URL) {
			return e.URL
		}
	}
	return ""
}

// endpointFindings reports what endpoints show beyond module failures.
func (fc *findingContext) endpointFindings() []Finding {
	var out []Finding
	for _, e := range fc.rep.Endpoints {
		pe := fc.eps[e.URL]
		if pe == nil {
			continue
		}
		d := pe.Diagnosis
		if d != nil && d.IPv6Broken {
			for _, fr := range d.Families {
				if fr.Family == "IPv6" && fr.Cause != cause.OK {
					out = append(out, Finding{
						Severity: SeverityWarning, Cause: fr.Cause, Endpoints: []string{e.URL}, Modules: []string{},
						Title:  fmt.Sprintf("IPv6 to %s fails (%s) while IPv4 works", e.Host, fr.Cause),
						Detail: fmt.Sprintf("%s: %s", fr.Address, fr.Detail),
						Advice: "Go's dialer falls back to IPv4, so builds work, but each new connection waits first; fix the IPv6 route or firewall, or disable IPv6 on the runner.",
					})
					break
				}
			}
		}
		if d != nil && d.Bogon && d.Cause == cause.OK && e.TLS != nil && e.TLS.Trusted {
			out = append(out, Finding{
				Severity: SeverityNotice, Cause: cause.DNSBogon, Endpoints: []string{e.URL}, Modules: []string{},
				Title:  fmt.Sprintf("%s resolves to reserved addresses (%s), and TLS there verifies", e.Host, strings.Join(e.Addresses, ", ")),
				Detail: "Split-horizon DNS or a transparent proxy answers for this public name; resolver in use: " + d.Resolver + ".",
				Advice: "Nothing to do if this is your network's design; otherwise check the resolver.",
			})
		}
		if d != nil && d.TLS != nil && d.TLS.Trusted && !d.TLS.PublicRoots && cause.IsPublicName(e.Host) {
			out = append(out, Finding{
				Severity: SeverityNotice, Cause: cause.TLSUnknownAuthority, Endpoints: []string{e.URL}, Modules: []string{},
				Title:  fmt.Sprintf("TLS to %s is intercepted by a locally trusted CA: %q", e.Host, d.TLS.Issuer),
				Detail: "The chain verifies with this machine's roots but not with Mozilla's public roots: a TLS-inspecting proxy whose CA is installed here.",
				Advice: "Builds work here. Tools that ship their own roots, and runners without this CA, will fail with an unknown authority.",
			})
		}
		if e.Role == probe.RoleSumDB && !fc.covered[e.URL] && e.Cause != cause.OK && cause.Interference(e.Cause) {
			what, advice, fix := fc.explain(e.Cause, &e, []*checks.Endpoint{&e}, "")
			out = append(out, Finding{
				Severity: SeverityWarning, Cause: e.Cause, Endpoints: []string{e.URL}, Modules: []string{},
				Title: "The checksum database cannot be reached: " + what, Detail: e.Detail, Advice: advice, Fix: fix,
			})
		}
	}
	return out
}

// versionsDetail says which versions each not-found module's proxy has.
func (fc *findingContext) versionsDetail(mods []string) string {
	var parts []string
	for _, id := range mods {
		vs, ok := fc.res.Versions[id]
		if !ok {
			continue
		}
		path, _, _ := strings.Cut(id, "@")
		if len(vs) == 0 {
			parts = append(parts, path+" lists no versions there")
			continue
		}
		if len(vs) > 10 {
			vs = append([]string{"…"}, vs[len(vs)-10:]...)
		}
		parts = append(parts, path+" has "+strings.Join(vs, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Versions that exist there (@v/list): " + strings.Join(parts, "; ") + "."
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// hostPortOf is the host:port a firewall must allow for a URL.
func hostPortOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "443"
	if u.Scheme == "http" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func commonName(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "CN="); ok {
			return v
		}
	}
	return dn
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// moduleSubject names the modules a finding is about: the one module
// version, or the count and the first of them.
func moduleSubject(mods []string) string {
	switch len(mods) {
	case 0:
		return "no module version"
	case 1:
		return mods[0]
	}
	return fmt.Sprintf("%d module versions (%s and %d more)", len(mods), mods[0], len(mods)-1)
}

// isAre is "1 x is" or "N xs are".
func isAre(phrase string, n int) string {
	if n == 1 {
		return phrase + " is"
	}
	return phrase + " are"
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

func sevRank(s Severity) int {
	switch s {
	case SeverityError:
		return 2
	case SeverityWarning:
		return 1
	}
	return 0
}
