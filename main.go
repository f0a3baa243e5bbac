// Command gopreflight checks, before `go build`, that every module a build
// needs can be fetched through the routes the go command would take, and
// names the cause of every failure. See README.md and SPEC.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/ghactions"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/vcs"
	"github.com/gopreflight/gopreflight/workspace"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "devel"

// Exit codes (SPEC section 7).
const (
	exitOK    = 0
	exitGate  = 1
	exitInput = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed command line.
type options struct {
	proxy, candidates, format, output, depth, failOn, ignore, caFile string
	resolver                                                         string
	checksums, setEnv, quiet, verbose                                bool
	summary, annotations                                             bool
	timeout, requestTimeout                                          time.Duration
	concurrency, retries                                             int
	depthSet                                                         bool
	paths                                                            []string
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("gopreflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: gopreflight [flags] [PATH ...]

Checks that every module the build of PATH needs can be fetched through the
routes the go command would take, and names the cause of every failure.
PATH is a go.mod, a go.work or a directory holding one (default ".").
Exit status: 0 fetchable, 1 the gate failed (--fail-on), 2 unusable input.

Flags:
`)
		fs.PrintDefaults()
	}
	defFormat := "text"
	if getenv("GITHUB_ACTIONS") == "true" {
		defFormat = "github"
	}
	fs.StringVar(&o.proxy, "proxy", "", "GOPROXY value to check (default: GOPROXY as the go command sees it)")
	fs.StringVar(&o.candidates, "candidates", "", "extra proxy URLs, comma-separated, to measure and rank")
	fs.StringVar(&o.format, "format", defFormat, "output format: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.output, "output", "", "also write the JSON report to `FILE`")
	fs.StringVar(&o.depth, "depth", checks.DepthZip, "mod, zip or full")
	fs.BoolVar(&o.checksums, "checksums", true, "verify go.sum against GOSUMDB")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "deadline for the whole run")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 10*time.Second, "deadline for one HTTP request")
	fs.IntVar(&o.concurrency, "concurrency", 32, "requests in flight")
	fs.IntVar(&o.retries, "retries", 2, "retries of a retryable failure")
	fs.StringVar(&o.failOn, "fail-on", report.FailOnError, "error, warning or never")
	fs.StringVar(&o.ignore, "ignore", "", "module path patterns (GOPRIVATE syntax) not to check")
	fs.StringVar(&o.caFile, "ca-file", "", "PEM file of extra CA certificates to trust")
	fs.StringVar(&o.resolver, "resolver", "", "send DNS queries to this `server` (host:port) instead of the system resolver, as dig @server does")
	fs.BoolVar(&o.setEnv, "set-env", false, "in GitHub Actions, export the recommended GOPROXY to later steps")
	fs.BoolVar(&o.summary, "summary", true, "in GitHub Actions, write the job summary")
	fs.BoolVar(&o.annotations, "annotations", true, "with --format github, annotate go.mod lines")
	fs.BoolVar(&o.quiet, "quiet", false, "less on stderr")
	fs.BoolVar(&o.verbose, "verbose", false, "more on stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	inputPaths, err := applyInputs(fs, getenv)
	if err != nil {
		return nil, err
	}
	o.depthSet = flagSet(fs, "depth")
	if getenv("GOSUMDB") == "off" && !flagSet(fs, "checksums") {
		o.checksums = false
	}
	o.paths = fs.Args()
	if len(o.paths) == 0 {
		o.paths = inputPaths
	}
	if len(o.paths) == 0 {
		o.paths = []string{"."}
	}
	switch o.depth {
	case checks.DepthMod, checks.DepthZip, checks.DepthFull:
	default:
		return nil, fmt.Errorf("--depth %q: want mod, zip or full", o.depth)
	}
	switch o.failOn {
	case report.FailOnError, report.FailOnWarning, report.FailOnNever:
	default:
		return nil, fmt.Errorf("--fail-on %q: want error, warning or never", o.failOn)
	}
	if _, err := report.Lookup(o.format); err != nil {
		return nil, fmt.Errorf("--format: %w", err)
	}
	if o.resolver != "" {
		if _, _, err := net.SplitHostPort(o.resolver); err != nil {
			return nil, fmt.Errorf("--resolver %q: want host:port (%w)", o.resolver, err)
		}
	}
	if o.concurrency < 1 || o.retries < 0 || o.timeout <= 0 || o.requestTimeout <= 0 {
		return nil, errors.New("--concurrency, --timeout and --request-timeout must be positive, --retries not negative")
	}
	return o, nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	started := time.Now()
	opts, err := parseFlags(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "gopreflight: %v\n", err)
		return exitInput
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "gopreflight: %s\n", goenv.Redact(err.Error()))
		return exitInput
	}
	env, err := goenv.Load(getenv, goenv.FindGOROOT(getenv))
	if err != nil {
		return fail(err)
	}
	if opts.proxy != "" {
		env.GOPROXY = opts.proxy
	}
	creds := env.Netrc()
	if ghactions.Active(getenv) {
		maskSecrets(stderr, getenv, env, opts, creds)
	}
	proxies, err := goenv.ParseProxyList(env.GOPROXY)
	if err != nil {
		return fail(fmt.Errorf("GOPROXY: %w", err))
	}
	if _, err := goenv.ParseSumDB(env.GOSUMDB); err != nil {
		return fail(fmt.Errorf("GOSUMDB: %w", err))
	}
	var wss []*workspace.Workspace
	for _, p := range opts.paths {
		ws, err := workspace.Load(p)
		if err != nil {
			return fail(err)
		}
		wss = append(wss, ws)
	}
	pl := plan.Build(wss, plan.Options{Env: env, Ignore: opts.ignore, ForceRemote: opts.depthSet})

	roots, err := rootCAs(getenv, opts.caFile)
	if err != nil {
		return fail(err)
	}
	// Requests log and report progress from many goroutines at once.
	var stderrMu sync.Mutex
	logf := func(string) {}
	if opts.verbose {
		logf = func(s string) {
			stderrMu.Lock()
			defer stderrMu.Unlock()
			fmt.Fprintln(stderr, s)
		}
	}
	client, err := probe.New(probe.Options{
		RequestTimeout: opts.requestTimeout,
		Retries:        opts.retries,
		Concurrency:    opts.concurrency,
		RootCAs:        roots,
		DNSServer:      opts.resolver,
		Getenv:         getenv,
		Credentials: func(host string) (string, string, bool) {
			return goenv.CredentialsFor(creds, host)
		},
		Log: logf,
	})
	if err != nil {
		return fail(err)
	}
	defer client.CloseIdle()

	cfg := checks.Config{
		Env: env, Proxies: proxies, Depth: opts.depth, Checksums: opts.checksums,
		// Leave time to render and write the report within --timeout.
		Timeout:  opts.timeout - opts.timeout/20,
		Client:   client,
		ModCache: modCache(getenv),
		// git config is read only when a direct route needs it.
		InsteadOf: sync.OnceValue(func() vcs.InsteadOf { return vcs.ReadInsteadOf(getenv) }),
	}
	if opts.candidates != "" {
		for _, c := range strings.Split(opts.candidates, ",") {
			if c = strings.TrimSpace(c); c != "" {
				// A candidate is one proxy URL, validated as GOPROXY is.
				l, err := goenv.ParseProxyList(c)
				if err == nil && (len(l) != 1 || l[0].URL == goenv.Direct || l[0].URL == goenv.Off || strings.HasPrefix(l[0].URL, "file:")) {
					err = fmt.Errorf("%q is not an http(s) proxy URL", goenv.Redact(c))
				}
				if err != nil {
					return fail(fmt.Errorf("--candidates: %w", err))
				}
				cfg.Candidates = append(cfg.Candidates, c)
			}
		}
	}
	if !opts.quiet && isTerminal(stderr) {
		var last time.Time
		cfg.Progress = func(done, total int) {
			stderrMu.Lock()
			defer stderrMu.Unlock()
			if done < total && time.Since(last) < 100*time.Millisecond {
				return // a terminal needs no more than ten updates a second
			}
			last = time.Now()
			fmt.Fprintf(stderr, "\r\033[Kgopreflight: %d/%d module versions", done, total)
			if done == total {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}
	}
	res := checks.Run(ctx, cfg, pl)
	rep := res.Report(version, started, wss)
	passed := rep.Gate(opts.failOn)

	render, _ := report.Lookup(opts.format)
	if opts.format == "github" {
		render = func(w io.Writer, r *report.Report) error {
			return report.GitHubWith(w, r, report.GitHubOptions{Workspace: getenv("GITHUB_WORKSPACE"), NoAnnotations: !opts.annotations})
		}
	}
	if err := render(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "gopreflight: writing report: %v\n", err)
	}
	if opts.output != "" {
		if err := writeJSON(opts.output, rep); err != nil {
			fmt.Fprintf(stderr, "gopreflight: %v\n", err)
		}
	}
	if ghactions.Active(getenv) {
		raw := append([]string(nil), cfg.Candidates...)
		for _, e := range proxies {
			raw = append(raw, e.URL)
		}
		publish(opts, getenv, rep, raw, stderr)
	}
	if !passed && opts.failOn != report.FailOnNever {
		return exitGate
	}
	return exitOK
}

func writeJSON(path string, rep *report.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if err := report.JSON(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("writing report %s: %w", path, err)
	}
	return f.Close()
}

// modCache is GOMODCACHE as the go command defaults it.
func modCache(getenv func(string) string) string {
	if v := getenv("GOMODCACHE"); v != "" {
		return v
	}
	gopath := getenv("GOPATH")
	if gopath == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		gopath = filepath.Join(home, "go")
	}
	first, _, _ := strings.Cut(gopath, string(os.PathListSeparator))
	return filepath.Join(first, "pkg", "mod")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
