package checks

import (
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

// slowRoute is a route that was still answering when the run's deadline
// ended it: it served versions and no connection to it failed, as a cold
// caching proxy does while it fetches from its upstream. The versions left
// on it are not checked, which is not a failure: the go command has no
// deadline and waits.
type slowRoute struct {
	source  string // the GOPROXY entry (redacted) or "direct"
	served  int    // versions it served in this run
	elapsed time.Duration
	targets []int // the versions left unchecked on it
}

// rate is the versions the route served per second.
func (s slowRoute) rate() float64 {
	return float64(s.served) / math.Max(s.elapsed.Seconds(), 0.001)
}

// notChecked runs when the deadline ended the run: each target left
// timeout on a route that was answering (versions served, no failed
// connection) becomes skipped with cause timeout, and its route is
// returned with what was measured. A target never asked is counted on the
// route its walk would have started with, and never names another; a
// route that answered nothing leaves its targets timeout.
func (r *runner) notChecked(out []outcome, elapsed time.Duration) []slowRoute {
	served := map[string]int{}
	for _, o := range routeView(out) {
		if o.status == report.StatusOK && o.via != "" && o.via != ViaCache {
			served[o.via]++
		}
	}
	byRoute := map[string]*slowRoute{}
	failed := map[string]bool{}
	var order []string
	route := func(i int, o outcome) *slowRoute {
		if o.status != report.StatusTimeout {
			return nil
		}
		src := o.via
		if src == "" {
			src = r.firstRoute(i)
		}
		if src == "" || served[src] == 0 || failed[src] {
			return nil
		}
		s := byRoute[src]
		if s == nil {
			if r.connectionFailed(src) {
				failed[src] = true
				return nil
			}
			s = &slowRoute{source: src, served: served[src], elapsed: elapsed}
			byRoute[src] = s
			order = append(order, src)
		}
		return s
	}
	for i, o := range out {
		if s := route(i, o); s != nil {
			s.targets = append(s.targets, i)
		} else if o.cold != nil {
			// A version the cache served whose route the deadline cut
			// short: the route is slow, the version is not left unchecked.
			route(i, *o.cold)
		}
	}
	var slow []slowRoute
	for _, src := range order {
		s := byRoute[src]
		for _, i := range s.targets {
			o := &out[i]
			o.status, o.cause = report.StatusSkipped, cause.Timeout
			o.detail = fmt.Sprintf("not checked: the run's deadline came while %s was still answering, slowly (%.1f versions/s)", src, s.rate())
		}
		slow = append(slow, *s)
	}
	return slow
}

// firstRoute is the route target i's walk starts with: "direct" for a
// GONOPROXY module, else the first GOPROXY entry (redacted).
func (r *runner) firstRoute(i int) string {
	if r.plan.Targets[i].Direct {
		return goenv.Direct
	}
	if len(r.cfg.Proxies) == 0 {
		return ""
	}
	e := r.cfg.Proxies[0].URL
	if e == goenv.Off {
		return ""
	}
	return goenv.Redact(e)
}

// connectionFailed says whether a request to the route's hosts failed
// before HTTP: the resolver, the connection, TLS or the forward proxy.
func (r *runner) connectionFailed(src string) bool {
	origin := ""
	if src != goenv.Direct {
		if u, err := url.Parse(src); err == nil {
			origin = u.Scheme + "://" + u.Host
		}
	}
	for _, ep := range r.cfg.Client.Endpoints.List() {
		mine := ep.Origin == origin || src == goenv.Direct && ep.Role == probe.RoleVCS
		for _, from := range ep.RedirectedFrom {
			mine = mine || from == origin
		}
		if !mine {
			continue
		}
		for c, n := range ep.Failures {
			if n > 0 && beforeHTTP(c) {
				return true
			}
		}
	}
	return false
}

// slowRoute says whether the deadline found source still answering.
func (res *Result) slowRoute(source string) bool {
	for _, s := range res.slow {
		if s.source == source {
			return true
		}
	}
	return false
}

// slowFindings are warnings: each slow route, the versions left unchecked
// on it, the rate measured and what the build's fetches would take.
func (res *Result) slowFindings() []report.Finding {
	var out []report.Finding
	for _, s := range res.slow {
		if len(s.targets) == 0 {
			continue
		}
		total := s.served + len(s.targets)
		est := time.Duration(float64(total) / s.rate() * float64(time.Second)).Round(time.Second)
		ids := make([]string, len(s.targets))
		for k, i := range s.targets {
			ids[k] = res.Plan.Targets[i].ID()
		}
		eps := []string{}
		if s.source != goenv.Direct {
			eps = append(eps, s.source)
		}
		out = append(out, report.Finding{
			Severity: report.SeverityWarning, Cause: cause.Timeout,
			Title: fmt.Sprintf("%s not checked before the deadline: %s answers slowly (%.1f versions/s)",
				plural(len(s.targets), "module version"), s.source, s.rate()),
			Detail: fmt.Sprintf("%s served %d module versions in %s with no failed connection, as a cold caching proxy does while it fetches from its upstream. At that rate the build's %d module versions through it take about %s to fetch; the go command has no deadline and waits, so these are not failures.",
				s.source, s.served, s.elapsed.Round(100*time.Millisecond), total, est),
			Advice:    fmt.Sprintf("To check every version, raise --timeout above %s, or warm the proxy's cache first (a `go mod download` through it).", est),
			Endpoints: eps, Modules: ids,
		})
	}
	return out
}
