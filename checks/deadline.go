package checks

import (
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
)

// SlowRoute is a route that was still answering when the run's deadline
// ended it: it served versions and no connection to it failed, as a cold
// caching proxy does while it fetches from its upstream. The versions left
// on it are not checked, which is not a failure: the go command has no
// deadline and waits.
type SlowRoute struct {
	Source  string // the GOPROXY entry (redacted) or "direct"
	Served  int    // versions it served in this run
	Elapsed time.Duration
	Targets []int // the versions left unchecked on it
}

// Rate is the versions the route served per second.
func (s SlowRoute) Rate() float64 {
	return float64(s.Served) / math.Max(s.Elapsed.Seconds(), 0.001)
}

// notChecked runs when the deadline ended the run: each target left
// timeout on a route that was answering (versions served, no failed
// connection) becomes skipped with cause timeout, and its route is
// returned with what was measured. A target never asked is counted on the
// route its walk would have started with, and never names another; a
// route that answered nothing leaves its targets timeout.
func (r *runner) notChecked(out []Outcome, elapsed time.Duration) []SlowRoute {
	served := map[string]int{}
	for _, o := range routeView(out) {
		if o.Status == StatusOK && o.Via != "" && o.Via != ViaCache {
			served[o.Via]++
		}
	}
	byRoute := map[string]*SlowRoute{}
	failed := map[string]bool{}
	var order []string
	route := func(i int, o Outcome) *SlowRoute {
		if o.Status != StatusTimeout {
			return nil
		}
		src := o.Via
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
			s = &SlowRoute{Source: src, Served: served[src], Elapsed: elapsed}
			byRoute[src] = s
			order = append(order, src)
		}
		return s
	}
	for i, o := range out {
		if s := route(i, o); s != nil {
			s.Targets = append(s.Targets, i)
		} else if o.Cold != nil {
			// A version the cache served whose route the deadline cut
			// short: the route is slow, the version is not left unchecked.
			route(i, *o.Cold)
		}
	}
	var slow []SlowRoute
	for _, src := range order {
		s := byRoute[src]
		for _, i := range s.Targets {
			o := &out[i]
			o.Status, o.Cause = StatusSkipped, cause.Timeout
			o.Detail = fmt.Sprintf("not checked: the run's deadline came while %s was still answering, slowly (%.1f versions/s)", src, s.Rate())
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
	return r.redact(e)
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
			if n > 0 && cause.BeforeHTTP(c) {
				return true
			}
		}
	}
	return false
}
