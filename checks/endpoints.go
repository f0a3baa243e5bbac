package checks

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
)

// maxListed bounds the @v/list requests made to explain not_found
// modules.
const maxListed = 32

// startDiagnosis registers the candidates and starts probing every
// endpoint phase by phase, alongside the module requests.
func (r *runner) startDiagnosis(ctx context.Context) {
	for _, c := range r.cfg.Candidates {
		r.cfg.Client.Endpoints.Register(c, probe.RoleCandidate)
	}
	r.cfg.Client.StartDiagnosis(ctx)
}

// finishDiagnosis asks each proxy that answered not_found which versions
// of the module it does have, so that the finding can say so, and then
// waits for the endpoint probes.
func (r *runner) finishDiagnosis(ctx context.Context, outs []Outcome) map[string][]string {
	type ask struct{ ID, URL string }
	var asks []ask
	seen := map[string]bool{}
	for i, o := range outs {
		if o.Status != StatusNotFound || !strings.HasPrefix(o.Via, "http") || len(asks) == maxListed {
			continue
		}
		t := r.plan.Targets[i]
		ep, err := module.EscapePath(t.Module.Path)
		if err != nil {
			continue
		}
		base := r.proxyURL(o.Via)
		u, err := goenv.ProxyURL(base, ep+"/@v/list")
		if err != nil {
			continue
		}
		seen[u] = true
		asks = append(asks, ask{t.ID(), u})
	}
	urls := slices.Sorted(maps.Keys(seen))
	lists := map[string][]string{}
	var mu sync.Mutex
	forEach(ctx, len(urls), len(urls), func(i int) {
		u := urls[i]
		res := r.cfg.Client.Do(ctx, probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantList, Role: probe.RoleProxy, MaxBody: probe.MaxListBody})
		if !res.OK() {
			return
		}
		vs := listedVersions(res.Body)
		semver.Sort(vs)
		mu.Lock()
		lists[u] = vs
		mu.Unlock()
	})
	r.cfg.Client.WaitDiagnosis(ctx)
	out := map[string][]string{}
	for _, a := range asks {
		if vs, ok := lists[a.URL]; ok {
			out[a.ID] = vs
		}
	}
	return out
}

// proxyURL returns the configured GOPROXY entry whose redacted form is
// via, with its credentials, for requests of our own.
func (r *runner) proxyURL(via string) string {
	for _, e := range r.cfg.Proxies {
		if r.redact(e.URL) == via {
			return e.URL
		}
	}
	return via
}
