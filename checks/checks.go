// Package checks runs a plan: it resolves every target through the routes
// the go command would take, classifies what failed, verifies what the
// bytes must hash to, and condenses it all into a report.Report.
package checks

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
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
	Client  *probe.Client
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

// outcome is the verdict for one target.
type outcome struct {
	status string
	cause  cause.Code
	// statusCode is the HTTP status of the answer that decided a failure.
	statusCode int
	via        string
	detail     string
	attempts   []report.Attempt
	duration   time.Duration
	// modHash is the h1: hash of the .mod the via route served; zipHash
	// that of the zip, when downloaded (--depth full).
	modHash, zipHash string
	// sum is the checksum verdict (checksum.go).
	sum sumCheck
	// cold is the route's own verdict for a version the module cache
	// served: what a runner with a cold cache would meet. nil otherwise.
	cold *outcome
	// modified says how the cached copy differs from the hash the cache
	// recorded for it (--depth full, as `go mod verify` finds).
	modified string
	done     bool
}

// Run checks every target of p and returns the report. It returns by the
// deadline, marking unfinished targets timeout.
func Run(ctx context.Context, cfg Config, p *plan.Plan) *Result {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	start := time.Now()
	r := &runner{cfg: cfg, plan: p, out: make([]outcome, len(p.Targets))}
	if p.Fetches() && !cfg.Offline {
		// Endpoints are the build's hosts only when it downloads at all.
		r.registerEndpoints()
		r.startDiagnosis(ctx)
	}
	sums := r.lookupSums(ctx)
	r.resolveAll(ctx)
	out := r.snapshot()
	res := &Result{Plan: p, Outcomes: out, Config: cfg}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		res.slow = r.notChecked(out, time.Since(start))
	}
	if cfg.Offline {
		res.measured = &measurement{}
	} else {
		res.measured = r.measure(ctx, routeView(out))
	}
	res.Checksums = r.verifySums(out, sums())
	if !cfg.Offline {
		res.Versions = r.finishDiagnosis(ctx, res.Outcomes)
	}
	return res
}

// routeView is what the routes answered for each target: for a version
// the module cache served, its route's own outcome.
func routeView(out []outcome) []outcome {
	v := make([]outcome, len(out))
	for i, o := range out {
		v[i] = o
		if o.cold != nil {
			v[i] = *o.cold
		}
	}
	return v
}

type runner struct {
	cfg  Config
	plan *plan.Plan
	mu   sync.Mutex
	out  []outcome
	done int
	// redacted memoises goenv.Redact of request sources.
	redacted sync.Map
	// shared holds proxies' answers for Shared targets (under mu).
	shared map[string]*sharedOutcome
}

// Result is a finished run, before it is condensed into a report.
type Result struct {
	Plan     *plan.Plan
	Outcomes []outcome
	Config   Config
	// measured holds the proxies' figures for ranking.
	measured *measurement
	// Versions lists, per module version not found on its proxy
	// ("path@version"), the versions that proxy has (its @v/list).
	Versions map[string][]string
	// Checksums is how go.sum was verified.
	Checksums report.Checksums
	// slow lists the routes still answering when the deadline ended the
	// run, with the targets left unchecked on them (deadline.go).
	slow []slowRoute
}

func (r *runner) registerEndpoints() {
	for _, e := range r.cfg.Proxies {
		if e.URL != goenv.Direct && e.URL != goenv.Off && !isFileURL(e.URL) && !goenv.NoHost(e.URL) {
			r.cfg.Client.Endpoints.Register(e.URL, probe.RoleProxy)
		}
	}
}

// resolveAll runs a bounded pool of workers over the targets. When the
// deadline passes, workers see a cancelled context, their requests end,
// and after a short grace the remaining targets are reported timeout.
func (r *runner) resolveAll(ctx context.Context) {
	work := make(chan int)
	var wg sync.WaitGroup
	workers := r.cfg.Client.Concurrency()
	if workers > len(r.plan.Targets) {
		workers = len(r.plan.Targets)
	}
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				o := r.resolve(ctx, r.plan.Targets[i])
				r.finish(i, o)
			}
		}()
	}
	go func() {
		defer close(work)
		for i, t := range r.plan.Targets {
			if t.Problem != "" {
				r.finish(i, outcome{status: report.StatusNotFound, cause: cause.NotFound, detail: t.Problem})
				continue
			}
			if t.Skip != "" {
				r.finish(i, outcome{status: report.StatusSkipped, cause: cause.OK, detail: t.Skip})
				continue
			}
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		// Requests honour ctx; give them a moment to report.
		select {
		case <-finished:
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (r *runner) finish(i int, o outcome) {
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

func (r *runner) snapshot() []outcome {
	r.mu.Lock()
	out := append([]outcome(nil), r.out...)
	var unfinished []int
	for i := range out {
		if !out[i].done {
			unfinished = append(unfinished, i)
			out[i] = outcome{status: report.StatusTimeout, cause: cause.Timeout, detail: "not finished when the run's deadline was reached"}
		}
		out[i].done = true
		r.out[i].done = true // late finishers must not change the report
	}
	r.mu.Unlock()
	for _, i := range unfinished {
		// The module cache serves what it holds whatever its route does.
		if c, hit := r.fromCache(r.plan.Targets[i]); hit {
			cold := out[i]
			c.cold = &cold
			out[i] = c
		}
	}
	return out
}

// resolve follows the target's route. A version the module cache holds
// is served from there, as the go command serves it, and its route is
// still followed (unless --offline) so that the report says what a cold
// cache would meet.
func (r *runner) resolve(ctx context.Context, t *plan.Target) outcome {
	start := time.Now()
	cached, hit := r.fromCache(t)
	var o outcome
	switch {
	case r.cfg.Offline && hit:
		o = cached
	case r.cfg.Offline:
		o = r.offline(t)
	case t.Direct:
		o = r.direct(ctx, t.Module, t.Need)
	default:
		o = r.viaProxies(ctx, t)
	}
	o.duration = time.Since(start)
	if ctx.Err() != nil && o.status != report.StatusOK {
		o.status, o.cause = report.StatusTimeout, cause.Timeout
	}
	if hit && !r.cfg.Offline {
		if o.via == goenv.Off {
			o.detail = "GOPROXY=off: only the module cache can serve it"
		}
		cold := o
		cached.cold = &cold
		cached.attempts = append(cached.attempts, o.attempts...)
		cached.duration = o.duration
		o = cached
	}
	return o
}

// statusOf maps a final cause to a module status.
func statusOf(c cause.Code) string {
	switch c {
	case cause.OK:
		return report.StatusOK
	case cause.NotFound:
		return report.StatusNotFound
	case cause.Timeout:
		return report.StatusTimeout
	case cause.ChecksumMismatch:
		return report.StatusChecksumMismatch
	}
	return report.StatusUnreachable
}

func modID(m module.Version) string { return m.Path + "@" + m.Version }
