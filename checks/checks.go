// Package checks is the engine: it runs a plan through the module cache
// and the routes the go command would take (the GOPROXY walk, direct,
// off), classifies what failed, verifies what the bytes must hash to,
// and measures every proxy and candidate on the same module set. It
// returns what it found as data, a Result; package verdict turns that
// into findings, a ranking and a recommendation.
package checks

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/vcs"
)

// Depths of checking (contract §1).
const (
	DepthMod  = "mod"
	DepthZip  = "zip"
	DepthFull = "full"
)

// Module cache modes (--cache).
const (
	// CacheAuto: a version the module cache holds is served from it, as
	// the go command serves it.
	CacheAuto = "auto"
	// CacheIgnore: the cold-runner view; the module cache serves nothing.
	CacheIgnore = "ignore"
)

// ViaCache is the via of a module version the module cache serves.
const ViaCache = "cache"

// Config is everything a run needs besides the plan.
type Config struct {
	Env        *goenv.Env
	Proxies    []goenv.ProxyEntry
	Candidates []string
	Depth      string
	Checksums  bool
	// Timeout bounds the whole run; a report is produced when it expires.
	Timeout time.Duration
	// Finish, when set, bounds what is done after the requests' deadline:
	// versions never reached are looked up in the module cache until
	// then, and left timeout after.
	Finish time.Time
	Client *probe.Client
	// ModCache is GOMODCACHE ("" when there is none).
	ModCache string
	// Cache is CacheAuto (also "") or CacheIgnore.
	Cache string
	// Offline judges from the module cache, vendor/ and file:// GOPROXY
	// entries only, and sends no request (--offline).
	Offline bool
	// InsteadOf returns git's url.<base>.insteadOf rewrites.
	InsteadOf func() vcs.InsteadOf
	// Progress, when set, is called as targets finish.
	Progress func(done, total int)
}

// Outcome is what the engine concluded for one target: its status and
// cause, the route that served it (or failed it), the requests made and
// the hashes of what was served.
type Outcome struct {
	Status Status
	Cause  cause.Code
	// StatusCode is the HTTP status of the answer that decided a failure.
	StatusCode int
	Via        string
	Detail     string
	Attempts   []Attempt
	Duration   time.Duration
	// ModHash is the h1: hash of the .mod the via route served; ZipHash
	// that of the zip, when downloaded (--depth full).
	ModHash, ZipHash string
	// Sum is the checksum verdict (checksum.go).
	Sum SumCheck
	// Cold is the route's own verdict for a version the module cache
	// served: what a runner with a cold cache would meet. nil otherwise.
	Cold *Outcome
	// Modified says how the cached copy differs from the hash the cache
	// recorded for it (--depth full, as `go mod verify` finds).
	Modified string
	// Graph is what the go.mod served says of the module graph; nil when
	// none was read.
	Graph *ModGraph
	// OutsideGraph: the build never reads this go.mod (pruneGraph).
	OutsideGraph bool
	done         bool
}

// Run checks every target of p and returns the report. It returns by the
// deadline, marking unfinished targets timeout.
func Run(ctx context.Context, cfg Config, p *plan.Plan) *Result {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	start := time.Now()
	r := &runner{cfg: cfg, plan: p, out: make([]Outcome, len(p.Targets))}
	r.noCache = r.cacheOn() && cacheEmpty(cfg.ModCache)
	if p.Fetches() && !cfg.Offline {
		// Endpoints are the build's hosts only when it downloads at all.
		r.registerEndpoints()
		r.startDiagnosis(ctx)
	}
	sums := r.lookupSums(ctx)
	r.resolveAll(ctx)
	out := r.snapshot()
	r.pruneGraph(out)
	res := &Result{Plan: p, Outcomes: out, Config: cfg}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		res.Slow = r.notChecked(out, time.Since(start))
	}
	if cfg.Offline {
		res.Measured = &Measurement{}
	} else {
		res.Measured = r.measure(ctx, routeView(out))
	}
	res.Checksums = r.verifySums(out, sums())
	if !cfg.Offline {
		res.Versions = r.finishDiagnosis(ctx, res.Outcomes)
	}
	res.Endpoints = cfg.Client.Endpoints.List()
	res.Resolver = cfg.Client.ResolverName()
	return res
}

// routeView is what the routes answered for each target: for a version
// the module cache served, its route's own outcome.
func routeView(out []Outcome) []Outcome {
	v := make([]Outcome, len(out))
	for i, o := range out {
		v[i] = o
		if o.Cold != nil {
			v[i] = *o.Cold
		}
	}
	return v
}

type runner struct {
	cfg  Config
	plan *plan.Plan
	mu   sync.Mutex
	out  []Outcome
	done int
	// redacted memoises goenv.Redact of request sources.
	redacted sync.Map
	// shared holds proxies' answers for Shared targets (under mu).
	shared map[string]*sharedOutcome
	// noCache: the module cache holds nothing (cacheEmpty).
	noCache bool
}

// Result is what a finished run found, before any verdict.
type Result struct {
	Plan     *plan.Plan
	Outcomes []Outcome
	Config   Config
	// Measured holds the proxies' figures for ranking.
	Measured *Measurement
	// Versions lists, per module version not found on its proxy
	// ("path@version"), the versions that proxy has (its @v/list).
	Versions map[string][]string
	// Endpoints are the hosts the run contacted or diagnosed, with what
	// their requests and probes showed; Resolver names the DNS resolver
	// in use.
	Endpoints []probe.Endpoint
	Resolver  string
	// Checksums is how go.sum was verified.
	Checksums Checksums
	// Slow lists the routes still answering when the deadline ended the
	// run, with the targets left unchecked on them (deadline.go).
	Slow []SlowRoute
}

func (r *runner) registerEndpoints() {
	for _, e := range r.cfg.Proxies {
		if e.URL != goenv.Direct && e.URL != goenv.Off && !goenv.IsFile(e.URL) && !goenv.NoHost(e.URL) {
			r.cfg.Client.Endpoints.Register(e.URL, probe.RoleProxy)
		}
	}
}

// resolveAll resolves the targets on a bounded pool of workers. Targets
// with an input problem or skipped need no request and are finished
// first. When the deadline passes, workers see a cancelled context, their
// requests end, and after a short grace the remaining targets are
// reported timeout (snapshot).
func (r *runner) resolveAll(ctx context.Context) {
	var fetch []int
	for i, t := range r.plan.Targets {
		switch {
		case t.Problem != "":
			r.finish(i, Outcome{Status: StatusNotFound, Cause: cause.NotFound, Detail: t.Problem})
		case t.Skip != "":
			r.finish(i, Outcome{Status: StatusSkipped, Cause: cause.OK, Detail: t.Skip})
		default:
			fetch = append(fetch, i)
		}
	}
	startPool(ctx, len(fetch), r.cfg.Client.Concurrency(), func(k int) {
		i := fetch[k]
		r.finish(i, r.resolve(ctx, r.plan.Targets[i]))
	}).waitDeadline(ctx)
}

func (r *runner) finish(i int, o Outcome) {
	o.done = true
	r.mu.Lock()
	if !r.out[i].done {
		r.out[i] = o
		r.done++
	}
	done := r.done
	r.mu.Unlock()
	if r.cfg.Progress != nil {
		r.cfg.Progress(done, len(r.plan.Targets))
	}
}

func (r *runner) snapshot() []Outcome {
	r.mu.Lock()
	out := append([]Outcome(nil), r.out...)
	var unfinished []int
	for i := range out {
		if !out[i].done {
			unfinished = append(unfinished, i)
			out[i] = Outcome{Status: StatusTimeout, Cause: cause.Timeout, Detail: "not finished when the run's deadline was reached"}
		}
		out[i].done = true
		r.out[i].done = true // late finishers must not change the report
	}
	r.mu.Unlock()
	for k, i := range unfinished {
		if k%256 == 0 && !r.cfg.Finish.IsZero() && time.Now().After(r.cfg.Finish) {
			break // the rest stay timeout: the report must come by the deadline
		}
		// The module cache serves what it holds whatever its route does.
		if c, hit := r.fromCache(r.plan.Targets[i]); hit {
			cold := out[i]
			c.Cold = &cold
			out[i] = c
		}
	}
	return out
}

// resolve follows the target's route. A version the module cache holds
// is served from there, as the go command serves it, and its route is
// still followed (unless --offline) so that the report says what a cold
// cache would meet.
func (r *runner) resolve(ctx context.Context, t *plan.Target) Outcome {
	start := time.Now()
	cached, hit := r.fromCache(t)
	var o Outcome
	switch {
	case r.cfg.Offline && hit:
		o = cached
	case r.cfg.Offline:
		o = r.offline(ctx, t)
	case t.Direct:
		o = r.direct(ctx, t.Module, t.Need)
	default:
		o = r.viaProxies(ctx, t)
	}
	o.Duration = time.Since(start)
	if ctx.Err() != nil && o.Status != StatusOK {
		o.Status, o.Cause = StatusTimeout, cause.Timeout
	}
	if hit && !r.cfg.Offline {
		if o.Via == goenv.Off {
			o.Detail = "GOPROXY=off: only the module cache can serve it"
		}
		cold := o
		cached.Cold = &cold
		cached.Attempts = append(cached.Attempts, o.Attempts...)
		cached.Duration = o.Duration
		o = cached
	}
	return o
}

// statusOf maps a final cause to a module status.
func statusOf(c cause.Code) Status {
	switch c {
	case cause.OK:
		return StatusOK
	case cause.NotFound:
		return StatusNotFound
	case cause.Timeout:
		return StatusTimeout
	case cause.ChecksumMismatch:
		return StatusChecksumMismatch
	}
	return StatusUnreachable
}
