package checks

import (
	"cmp"
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
)

// Bounds of the measurement, so that ranking stays a small share of a run.
const (
	// sampleMax is how many module versions each proxy is measured on. A
	// larger graph is sampled deterministically, failing versions always
	// in; it never drops below 50 as the contract asks.
	sampleMax = 100
	// freshPaths is how many module paths have their @v/list and @latest
	// compared across proxies.
	freshPaths = 20
	// lagConfirmMax is how many versions per path and proxy a lag claim
	// is confirmed for (newest first), one .info request each.
	lagConfirmMax = 5
)

// Measurement is what measuring every proxy on the same module set showed.
type Measurement struct {
	Sample  []int // indexes into plan.Targets
	Sampled bool  // the graph was larger than sampleMax
	Proxies []*ProxyRun
	// expired: the run's deadline cut the measurement short.
	Expired bool
}

// ProxyRun is one proxy's figures.
type ProxyRun struct {
	URL  string // as configured; redact before reporting
	Role probe.Role
	Pos  int          // order given: GOPROXY entries, then candidates
	Mods []PairResult // parallel to measurement.sample
	// SumDB: <url>/sumdb/<name>/supported answered 200.
	SumDB bool
	// Down is the cause when the proxy could not be reached at all.
	Down cause.Code
	// Lag holds versions other proxies have and this one confirmed lacks.
	Lag []Lagged
}

// PairResult is one proxy's answer for one sampled target.
type PairResult struct {
	Measured bool
	Cause    cause.Code
	// Durations are the durations of requests that got an HTTP answer.
	Durations []time.Duration
}

// Lagged is a version a proxy lacks, with the proxies that have it.
type Lagged struct {
	ID     string // path@version
	Others []string
	Latest bool   // it is another proxy's @latest
	Stale  string // this proxy's older @latest, when it has the version
}

// measure ranks every GOPROXY proxy entry and every candidate on the same
// module set. It never changes a module's verdict: those come from
// GOPROXY as configured. GOPROXY entries reuse what resolution already
// asked them; the rest is asked now through the same client, within ctx.
func (r *runner) measure(ctx context.Context, out []Outcome) *Measurement {
	m := &Measurement{}
	m.Sample, m.Sampled = sampleTargets(r.plan.Targets, out)
	seen := map[string]bool{}
	add := func(u string, role probe.Role) {
		u = strings.TrimSuffix(u, "/")
		if seen[u] {
			return
		}
		seen[u] = true
		m.Proxies = append(m.Proxies, &ProxyRun{URL: u, Role: role, Pos: len(m.Proxies)})
	}
	for _, e := range r.cfg.Proxies {
		if isHTTPURL(e.URL) && !goenv.NoHost(e.URL) {
			add(e.URL, probe.RoleProxy)
		}
	}
	for _, c := range r.cfg.Candidates {
		// The command line has validated candidates; normalise as GOPROXY
		// does (a bare host means https://).
		if list, err := goenv.ParseProxyList(c); err == nil && len(list) == 1 && isHTTPURL(list[0].URL) {
			r.cfg.Client.Endpoints.Register(list[0].URL, probe.RoleCandidate)
			add(list[0].URL, probe.RoleCandidate)
		}
	}
	if len(m.Sample) == 0 || len(m.Proxies) == 0 {
		return m
	}
	for _, p := range m.Proxies {
		p.Mods = make([]PairResult, len(m.Sample))
	}
	forEach(ctx, len(m.Proxies), len(m.Proxies), func(i int) {
		r.measureProxy(ctx, m, m.Proxies[i], out)
	})
	r.freshness(ctx, m)
	m.Expired = ctx.Err() != nil
	return m
}

func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// sampleTargets picks the targets fetched through GOPROXY: all of them, or
// for a large graph a deterministic sample that holds every failing one.
func sampleTargets(ts []*plan.Target, out []Outcome) ([]int, bool) {
	var all []int
	for i, t := range ts {
		if t.Skip == "" && !t.Direct && !out[i].OutsideGraph {
			all = append(all, i)
		}
	}
	if len(all) <= sampleMax {
		return all, false
	}
	// Each key is hashed once, and sorted beside its index: hashing in
	// the comparison cost seconds on a go.sum of a few hundred thousand
	// lines.
	type entry struct {
		i    int
		fail bool
		key  uint64
	}
	es := make([]entry, len(all))
	h := fnv.New64a()
	for k, i := range all {
		h.Reset()
		h.Write([]byte(ts[i].Module.Path))
		h.Write([]byte{'@'})
		h.Write([]byte(ts[i].Module.Version))
		es[k] = entry{i, out[i].Status != StatusOK, h.Sum64()}
	}
	// Failing first, then by key; the index breaks ties so that an
	// unstable sort gives one order.
	slices.SortFunc(es, func(a, b entry) int {
		if a.fail != b.fail {
			if a.fail {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.i, b.i))
	})
	for k, e := range es {
		all[k] = e.i
	}
	n := sampleMax
	for n < len(all) && out[all[n]].Status != StatusOK {
		n++ // every failing version stays in
	}
	pick := all[:n]
	sort.Ints(pick)
	return pick, true
}

// measureProxy fills p.mods. A GOPROXY entry's answers from resolution
// count first (they hold even when the deadline cuts measuring short).
// Then it asks whether p proxies the checksum database: that answer
// doubles as the reachability check, so a dead proxy costs one request,
// not one per module.
func (r *runner) measureProxy(ctx context.Context, m *Measurement, p *ProxyRun, out []Outcome) {
	var ask []int
	for k, i := range m.Sample {
		if p.Role == probe.RoleProxy {
			if pr, ok := fromResolution(p.URL, out[i]); ok {
				p.Mods[k] = pr
				continue
			}
		}
		ask = append(ask, k)
	}
	supURL, _ := goenv.ProxyURL(p.URL, "sumdb/"+r.sumdbName()+"/supported") // p.url parsed as GOPROXY was
	sup := r.cfg.Client.Do(ctx, probe.Request{Method: http.MethodGet, URL: supURL, Want: cause.WantSumDB, Role: p.Role, Memo: true})
	if ctx.Err() != nil {
		return
	}
	p.SumDB = sup.OK() && sup.StatusCode == http.StatusOK
	if sup.StatusCode == 0 && !sup.OK() {
		p.Down = sup.Cause
		for _, k := range ask {
			p.Mods[k] = PairResult{Measured: true, Cause: sup.Cause}
		}
		return
	}
	forEach(ctx, len(ask), r.cfg.Client.Concurrency(), func(j int) {
		k := ask[j]
		p.Mods[k] = r.measurePair(ctx, p, r.plan.Targets[m.Sample[k]])
	})
}

// sumdbName is the checksum database a proxy is asked about: GOSUMDB's,
// or the default database's when GOSUMDB is off or unusable.
func (r *runner) sumdbName() string {
	if db, err := goenv.ParseSumDB(r.cfg.Env.GOSUMDB); err == nil && !db.Off {
		return db.Name
	}
	db, _ := goenv.ParseSumDB(goenv.DefaultGOSUMDB)
	return db.Name
}

// fromResolution reads a GOPROXY entry's answer for a target out of the
// resolution's attempts, when the walk reached that entry.
func fromResolution(base string, o Outcome) (PairResult, bool) {
	src := goenv.Redact(base)
	pr := PairResult{Measured: true, Cause: cause.OK}
	n := 0
	for _, a := range o.Attempts {
		if a.Source != src {
			continue
		}
		n++
		if a.StatusCode > 0 {
			pr.Durations = append(pr.Durations, time.Duration(a.DurationMS)*time.Millisecond)
		}
		if pr.Cause == cause.OK && a.Cause != cause.OK {
			pr.Cause = a.Cause
		}
	}
	if n == 0 || pr.Cause == cause.Timeout {
		return PairResult{}, false // not asked, or cut short: measure it
	}
	if pr.Cause == cause.OK && o.Via == src && o.Cause == cause.ChecksumMismatch {
		pr.Cause = cause.ChecksumMismatch
	}
	return pr, true
}

// measurePair asks one proxy for one target with the requests a build
// makes: the .mod (checked against go.sum) and, when the build needs it,
// a HEAD of the zip. A query version is resolved through .info instead.
func (r *runner) measurePair(ctx context.Context, p *ProxyRun, t *plan.Target) PairResult {
	pr := PairResult{Cause: cause.OK}
	do := func(req probe.Request) probe.Result {
		res := r.cfg.Client.Do(ctx, req)
		if res.StatusCode > 0 {
			pr.Durations = append(pr.Durations, res.Duration)
		}
		return res
	}
	m := t.Module
	if module.CanonicalVersion(m.Version) != m.Version {
		u, err := versionURL(p.URL, m, "info")
		if err != nil {
			return PairResult{Measured: true, Cause: cause.NotFound}
		}
		pr.Cause = do(probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantInfo, Role: p.Role}).Cause
		pr.Measured = ctx.Err() == nil
		return pr
	}
	u, err := versionURL(p.URL, m, "mod")
	if err != nil {
		return PairResult{Measured: true, Cause: cause.NotFound}
	}
	res := do(probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantMod, Role: p.Role, MaxBody: probe.MaxModBody})
	pr.Cause = res.Cause
	if res.OK() {
		if _, c, _ := checkMod(res.Body, t); c != cause.OK {
			pr.Cause = c
		} else if t.ModSum != nil && modHash(res.Body) != t.ModSum.Hash {
			pr.Cause = cause.ChecksumMismatch
		}
	}
	if pr.Cause == cause.OK && t.Need == plan.NeedZip && r.cfg.Depth != DepthMod {
		zu, _ := versionURL(p.URL, m, "zip")
		z := r.cfg.Client.Servable(ctx, zu, p.Role)
		if z.StatusCode > 0 {
			pr.Durations = append(pr.Durations, z.Duration)
		}
		pr.Cause = z.Cause
	}
	pr.Measured = ctx.Err() == nil
	return pr
}

// Answered says whether some module answer of p was a protocol answer
// (ok or 404/410): the proxy can be reached.
func (p *ProxyRun) Answered() bool {
	for _, pr := range p.Mods {
		if pr.Measured && (pr.Cause == cause.OK || pr.Cause == cause.NotFound) {
			return true
		}
	}
	return false
}

// Serves reports whether p served sampled target k.
func (p *ProxyRun) Serves(k int) bool {
	return k < len(p.Mods) && p.Mods[k].Measured && p.Mods[k].Cause == cause.OK
}

// freshness compares @v/list and @latest across the reachable proxies for
// a sample of module paths. A version some proxy lists that another lacks
// is a lag claim only once that proxy answers 404/410 for its .info: lists
// are often partial (a proxy lists what it has cached), and a version the
// proxy serves is never called missing.
func (r *runner) freshness(ctx context.Context, m *Measurement) {
	var live []*ProxyRun
	for _, p := range m.Proxies {
		if p.Answered() {
			live = append(live, p)
		}
	}
	if len(live) < 2 {
		return // nothing to compare with
	}
	type pathRef struct {
		path string
		ks   []int    // sample positions with this path
		vs   []string // their versions
	}
	byPath := map[string]*pathRef{}
	var paths []*pathRef
	for k, i := range m.Sample {
		t := r.plan.Targets[i]
		if t.Toolchain {
			continue
		}
		pr := byPath[t.Module.Path]
		if pr == nil {
			pr = &pathRef{path: t.Module.Path}
			byPath[t.Module.Path] = pr
			paths = append(paths, pr)
		}
		pr.ks = append(pr.ks, k)
		pr.vs = append(pr.vs, t.Module.Version)
	}
	if len(paths) > freshPaths {
		paths = paths[:freshPaths]
	}
	var mu sync.Mutex
	forEach(ctx, len(paths), len(paths), func(i int) {
		pr := paths[i]
		found := r.comparePath(ctx, pr.path, pr.ks, pr.vs, live)
		mu.Lock()
		for p, l := range found {
			p.Lag = append(p.Lag, l...)
		}
		mu.Unlock()
	})
	for _, p := range live {
		sort.Slice(p.Lag, func(i, j int) bool { return p.Lag[i].ID < p.Lag[j].ID })
	}
}

// listing is what one proxy says of one module path.
type listing struct {
	ok       bool // the list answered (a 404 is an empty list)
	versions map[string]bool
	atLatest string
}

// comparePath finds, for one module path, the versions each live proxy
// lacks. ks and vs are the sampled positions and versions of the path.
func (r *runner) comparePath(ctx context.Context, path string, ks []int, vs []string, live []*ProxyRun) map[*ProxyRun][]Lagged {
	esc, err := module.EscapePath(path)
	if err != nil {
		return nil
	}
	lists := make([]listing, len(live))
	forEach(ctx, len(live), len(live), func(i int) {
		lists[i] = r.listing(ctx, live[i], esc)
	})
	// have: version -> proxies that list it (or give it as @latest).
	have := map[string][]string{}
	newest := ""
	for i, l := range lists {
		for v := range l.versions {
			have[v] = append(have[v], r.redact(live[i].URL))
		}
		if l.atLatest != "" && semver.Compare(l.atLatest, newest) > 0 {
			newest = l.atLatest
		}
	}
	found := map[*ProxyRun][]Lagged{}
	for i, p := range live {
		if !lists[i].ok || len(lists[i].versions) == 0 {
			// Unknown, or a proxy that does not carry the module at all
			// (a private or partial mirror): not stale. A needed version
			// it lacks shows in the ranking's missing.
			continue
		}
		served := map[string]bool{}
		for j, k := range ks {
			if p.Serves(k) {
				served[vs[j]] = true
			}
		}
		var claims []string
		for v := range have {
			if !lists[i].versions[v] && !served[v] {
				claims = append(claims, v)
			}
		}
		if l := lists[i].atLatest; l != "" && semver.Compare(l, newest) < 0 && lists[i].versions[newest] && !served[newest] {
			// It has the newest version but @latest still answers an
			// older one: a stale @latest cache.
			found[p] = append(found[p], Lagged{ID: path + "@" + newest, Others: latestOf(lists, live, newest), Latest: true, Stale: l})
		}
		sort.Slice(claims, func(a, b int) bool { return semver.Compare(claims[a], claims[b]) > 0 })
		if len(claims) > lagConfirmMax {
			claims = claims[:lagConfirmMax]
		}
		for _, v := range claims {
			u, err := versionURL(p.URL, module.Version{Path: path, Version: v}, "info")
			if err != nil {
				continue
			}
			res := r.cfg.Client.Do(ctx, probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantInfo, Role: p.Role})
			if res.Cause == cause.NotFound {
				others := append([]string(nil), have[v]...)
				sort.Strings(others)
				found[p] = append(found[p], Lagged{ID: path + "@" + v, Others: others, Latest: v == newest})
			}
		}
	}
	return found
}

// latestOf names the proxies whose @latest is v.
func latestOf(lists []listing, live []*ProxyRun, v string) []string {
	var out []string
	for i, l := range lists {
		if l.atLatest == v {
			out = append(out, goenv.Redact(live[i].URL))
		}
	}
	sort.Strings(out)
	return out
}

// listing asks a proxy for a path's @v/list and @latest.
func (r *runner) listing(ctx context.Context, p *ProxyRun, esc string) listing {
	listURL, _ := goenv.ProxyURL(p.URL, esc+"/@v/list") // p.url parsed as GOPROXY was
	latestURL, _ := goenv.ProxyURL(p.URL, esc+"/@latest")
	var res [2]probe.Result
	reqs := [2]probe.Request{
		{Method: http.MethodGet, URL: listURL, Want: cause.WantList, Role: p.Role, MaxBody: probe.MaxListBody},
		{Method: http.MethodGet, URL: latestURL, Want: cause.WantInfo, Role: p.Role},
	}
	forEach(ctx, len(reqs), len(reqs), func(i int) { res[i] = r.cfg.Client.Do(ctx, reqs[i]) })
	list, latest := res[0], res[1]
	l := listing{versions: map[string]bool{}}
	switch list.Cause {
	case cause.OK:
		l.ok = true
		for _, v := range listedVersions(list.Body) {
			l.versions[v] = true
		}
	case cause.NotFound:
		l.ok = true
	}
	if latest.OK() {
		var info struct{ Version string }
		if json.Unmarshal(latest.Body, &info) == nil && semver.IsValid(info.Version) {
			l.atLatest = info.Version
			l.versions[info.Version] = true
		}
	}
	return l
}
