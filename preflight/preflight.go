// Package preflight is gopreflight's one entry point: it reads the
// inputs (go.mod, go.work, go.sum, the go command's environment), plans
// what the build will fetch, probes every route, and returns the one
// result model, a report.Report. The command, the benchmark and the
// end-to-end tests all call Check.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/modcache"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/vcs"
	"github.com/gopreflight/gopreflight/verdict"
	"github.com/gopreflight/gopreflight/workspace"
)

// Options are the knobs of one check. DefaultOptions gives the command
// line's defaults (docs/contract.md, section 1).
type Options struct {
	// Paths are go.mod files, go.work files or directories holding one.
	Paths []string
	// Proxy overrides GOPROXY when not empty.
	Proxy string
	// Candidates are extra proxy URLs to measure and rank.
	Candidates []string
	// Depth is checks.DepthMod, DepthZip or DepthFull. DepthSet says the
	// user chose it: in vendor mode remote routes are then checked too.
	Depth    string
	DepthSet bool
	// Checksums verifies go.sum against GOSUMDB (never when GOSUMDB=off).
	Checksums bool
	// Timeout bounds the whole run, RequestTimeout one HTTP request.
	Timeout, RequestTimeout time.Duration
	// Concurrency is the number of requests in flight; Retries the retries
	// of a retryable failure.
	Concurrency, Retries int
	// Ignore lists module path patterns (GOPRIVATE syntax) not to check.
	Ignore string
	// CAFile is a PEM file of extra CA certificates to trust.
	CAFile string
	// Resolver, as host:port, receives DNS queries instead of the system
	// resolver.
	Resolver string
	// Cache is checks.CacheAuto (a version the module cache holds is
	// served from it, as the go command does) or checks.CacheIgnore (the
	// cold-runner view).
	Cache string
	// Offline judges from the module cache, vendor/ and file:// GOPROXY
	// directories only, and sends no request.
	Offline bool
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Env is the go command's environment; nil means loaded from Getenv
	// (LoadEnv). A caller that needs it before the run (to mask secrets)
	// passes the one it loaded.
	Env *goenv.Env
	// ToolVersion is stamped into the report.
	ToolVersion string
	// Log, when set, receives one line per request (redacted).
	Log func(string)
	// Progress, when set, is called as module versions finish.
	Progress func(done, total int)
}

// DefaultOptions returns the command line's defaults.
func DefaultOptions() Options {
	return Options{
		Paths:          []string{"."},
		Depth:          checks.DepthZip,
		Checksums:      true,
		Timeout:        60 * time.Second,
		RequestTimeout: 10 * time.Second,
		Concurrency:    32,
		Retries:        2,
		Cache:          checks.CacheAuto,
		ToolVersion:    "devel",
	}
}

// InputError is a problem with what the check was given: a file that does
// not parse, a bad option, a GOPROXY the go command rejects. The command
// exits 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return goenv.Redact(e.Err.Error()) }
func (e *InputError) Unwrap() error { return e.Err }

// Validate reports the first option that cannot be used.
func (o Options) Validate() error {
	switch o.Depth {
	case checks.DepthMod, checks.DepthZip, checks.DepthFull:
	default:
		return fmt.Errorf("--depth %q: want mod, zip or full", o.Depth)
	}
	switch o.Cache {
	case checks.CacheAuto, checks.CacheIgnore:
	default:
		return fmt.Errorf("--cache %q: want auto or ignore", o.Cache)
	}
	if o.Resolver != "" {
		if _, _, err := net.SplitHostPort(o.Resolver); err != nil {
			return fmt.Errorf("--resolver %q: want host:port (%w)", o.Resolver, err)
		}
	}
	if o.Concurrency < 1 || o.Retries < 0 || o.Timeout <= 0 || o.RequestTimeout <= 0 {
		return errors.New("--concurrency, --timeout and --request-timeout must be positive, --retries not negative")
	}
	for _, c := range o.Candidates {
		// A candidate is one proxy URL, validated as GOPROXY is.
		l, err := goenv.ParseProxyList(c)
		if err == nil && (len(l) != 1 || l[0].URL == goenv.Direct || l[0].URL == goenv.Off || strings.HasPrefix(l[0].URL, "file:")) {
			err = fmt.Errorf("%q is not an http(s) proxy URL", goenv.Redact(c))
		}
		if err != nil {
			return fmt.Errorf("--candidates: %w", err)
		}
	}
	return nil
}

func (o Options) getenv() func(string) string {
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}

// LoadEnv reads the go command's environment as Check will see it, with
// Proxy applied.
func LoadEnv(o Options) (*goenv.Env, error) {
	getenv := o.getenv()
	env, err := goenv.Load(getenv, goenv.FindGOROOT(getenv))
	if err != nil {
		return nil, err
	}
	if o.Proxy != "" {
		env.GOPROXY = o.Proxy
	}
	return env, nil
}

// Check runs the whole check and returns its report. An error is an
// *InputError: the inputs could not be used and nothing was probed.
func Check(ctx context.Context, o Options) (*report.Report, error) {
	started := time.Now()
	fail := func(err error) (*report.Report, error) { return nil, &InputError{err} }
	if err := o.Validate(); err != nil {
		return fail(err)
	}
	// The deadline runs from here, so reading and planning a large input
	// spend the same --timeout as the requests; what is left for them
	// shrinks, and the report still comes (modules not reached are
	// timeout).
	deadline := started.Add(o.Timeout)
	getenv := o.getenv()
	env := o.Env
	if env == nil {
		var err error
		if env, err = LoadEnv(o); err != nil {
			return fail(err)
		}
	}
	proxies, err := goenv.ParseProxyList(env.GOPROXY)
	if err != nil {
		return fail(fmt.Errorf("GOPROXY: %w", err))
	}
	if _, err := goenv.ParseSumDB(env.GOSUMDB); err != nil {
		return fail(fmt.Errorf("GOSUMDB: %w", err))
	}
	// Reading stops with two twentieths left: one for the report, one for
	// what a heap of hundreds of megabytes costs in collection pauses.
	in, err := readInputs(ctx, o, env, deadline.Add(-2*reserve(o.Timeout, 0)))
	var late *lateError
	switch {
	case errors.As(err, &late):
		return unchecked(late, o, env, started), nil
	case err != nil:
		return fail(err)
	}
	wss, pl := in.wss, in.plan
	if left, need := time.Until(deadline), reserve(o.Timeout, len(pl.Targets)); left < need {
		// Listing every planned version would itself outlast the
		// deadline: say so, with what a run needs.
		return unchecked(&lateError{
			stage:  "checking",
			detail: fmt.Sprintf("reading and planning took %s of --timeout %s and found %d module versions; reporting them alone needs about %s", round(time.Since(started)), o.Timeout, len(pl.Targets), round(need)),
		}, o, env, started), nil
	}
	stop := deadline.Add(-reserve(o.Timeout, len(pl.Targets))) // the requests' deadline
	ctx, cancel := context.WithDeadline(ctx, stop)
	defer cancel()

	roots, err := rootCAs(getenv, o.CAFile)
	if err != nil {
		return fail(err)
	}
	creds := env.Netrc()
	client, err := probe.New(probe.Options{
		RequestTimeout: o.RequestTimeout,
		Retries:        o.Retries,
		Concurrency:    o.Concurrency,
		RootCAs:        roots,
		DNSServer:      o.Resolver,
		Getenv:         getenv,
		Credentials: func(host string) (string, string, bool) {
			return goenv.CredentialsFor(creds, host)
		},
		Log: o.Log,
	})
	if err != nil {
		return fail(err)
	}
	defer client.CloseIdle()

	cfg := checks.Config{
		Env: env, Proxies: proxies, Candidates: o.Candidates, Depth: o.Depth, Checksums: o.Checksums,
		Timeout: time.Until(stop),
		// Work after the requests' deadline (the module cache looked up
		// for versions never reached) leaves half of what is kept for the
		// report.
		Finish:   stop.Add(reserve(o.Timeout, len(pl.Targets)) / 2),
		Client:   client,
		ModCache: modcache.Dir(env.Setting, getenv, env.GOROOT),
		Cache:    o.Cache,
		Offline:  o.Offline,
		// git config is read only when a direct route needs it.
		InsteadOf: sync.OnceValue(func() vcs.InsteadOf { return vcs.ReadInsteadOf(getenv) }),
		Progress:  o.Progress,
	}
	res := checks.Run(ctx, cfg, pl)
	return assemble(res, verdict.Build(res), o.ToolVersion, started, wss, creds), nil
}

// inputs are what the check read and planned.
type inputs struct {
	wss  []*workspace.Workspace
	plan *plan.Plan
}

// lateError says the deadline came before the stage named could finish.
type lateError struct {
	stage       string // "reading" or "checking"
	detail      string
	interrupted bool // ended by the caller (an interrupt), not the deadline
}

func (e *lateError) Error() string { return e.stage + ": " + e.detail }

// readInputs reads and plans the inputs by end: their size is the pull
// request's to choose, and the run must still end by its deadline with a
// report. Reading looks at the context as it goes (a large go.sum); a
// step that cannot (parsing one huge go.mod) is left to finish on its own,
// its result unused.
func readInputs(ctx context.Context, o Options, env *goenv.Env, end time.Time) (inputs, error) {
	started := time.Now()
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	type answer struct {
		in  inputs
		err error
	}
	done := make(chan answer, 1)
	go func() {
		paths := o.Paths
		if len(paths) == 0 {
			paths = []string{"."}
		}
		wss, err := workspace.LoadAll(ctx, paths, workspace.Options{GOWORK: env.GOWORK})
		if err == nil {
			err = plan.Validate(wss, env)
		}
		if err != nil {
			done <- answer{err: err}
			return
		}
		pl := plan.Build(wss, plan.Options{Env: env, Ignore: o.Ignore, ForceRemote: o.DepthSet && !o.Offline})
		done <- answer{in: inputs{wss, pl}}
	}()
	late := func(err error) error {
		// err is the context's, or the go.sum reader's wrapping it with
		// where it stopped ("go.sum:884736: reading stopped: …", "go.sum:
		// reading stopped after 41943040 of 78388900 bytes: …").
		why := "stopped at the deadline"
		switch s := err.Error(); {
		case errors.Is(err, context.Canceled):
			why = "interrupted"
		case strings.Contains(s, "reading stopped"):
			why = strings.TrimSuffix(s, ": "+context.DeadlineExceeded.Error()) + " at the deadline"
		}
		return &lateError{stage: "reading", detail: fmt.Sprintf("reading and planning go.mod, go.work and go.sum did not finish in %s (%s)", round(time.Since(started)), why), interrupted: why == "interrupted"}
	}
	answered := func(a answer) (inputs, error) {
		if errors.Is(a.err, context.DeadlineExceeded) || errors.Is(a.err, context.Canceled) {
			return inputs{}, late(a.err)
		}
		return a.in, a.err // what was read in time, or the inputs' own error
	}
	select {
	case a := <-done:
		return answered(a)
	case <-ctx.Done():
		// Reading a go.sum stops within milliseconds and says where it
		// got to; a parse that cannot stop is not waited for.
		select {
		case a := <-done:
			return answered(a)
		case <-time.After(20 * time.Millisecond):
		}
		return inputs{}, late(context.Cause(ctx))
	}
}

// unchecked is the report of a run whose deadline came first.
func unchecked(late *lateError, o Options, env *goenv.Env, started time.Time) *report.Report {
	title := "The deadline came before the inputs were read"
	advice := fmt.Sprintf("raise --timeout (now %s); an input this large is unusual for a go.mod or go.sum: check what the change added", o.Timeout)
	switch {
	case late.stage == "checking":
		title = "The deadline left no time to check the module versions"
	case late.interrupted:
		title, advice = "The run was interrupted before the inputs were read", ""
	}
	res := &checks.Result{Plan: &plan.Plan{}, Config: checks.Config{Env: env, Candidates: o.Candidates}}
	return assemble(res, verdict.Unchecked(title, late.detail, advice), o.ToolVersion, started, nil, nil)
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// reportCost is what one module version costs to finish once the
// requests stop: marking it, building the findings and the report, and
// rendering it in the formats an Actions step writes (annotations, job
// summary, the JSON report file): 16-19 µs on an idle 2-CPU machine,
// with room for a loaded one.
const reportCost = 25 * time.Microsecond

// reserve is the part of the run's timeout kept for finishing the report
// of n module versions after the requests stop: a twentieth, or what n
// versions cost when that is more. When reading the inputs left less than
// that, nothing is checked (Check says so).
func reserve(timeout time.Duration, n int) time.Duration {
	return max(timeout/20, time.Duration(n)*reportCost)
}
