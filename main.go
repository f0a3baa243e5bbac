// Command gopreflight checks, before `go build`, that every module a build
// needs can be fetched through the routes the go command would take, and
// names the cause of every failure. See README.md and docs/contract.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/ghactions"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/preflight"
	"github.com/gopreflight/gopreflight/report"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "devel"

// Exit codes (contract §7).
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

// options are the parsed command line: the check's options and what
// the command does with the report.
type options struct {
	check                  preflight.Options
	format, output, failOn string
	setEnv, quiet, verbose bool
	summary, annotations   bool
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{check: preflight.DefaultOptions()}
	c := &o.check
	c.ToolVersion = version
	c.Getenv = getenv
	fs := flag.NewFlagSet("gopreflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: gopreflight [flags] [PATH ...]
       gopreflight explain [flags] [--path PATH] [LOG ...]
       gopreflight run [flags] [--path PATH] -- COMMAND [ARGS...]

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
	var candidates string
	fs.StringVar(&c.Proxy, "proxy", "", "GOPROXY value to check (default: GOPROXY as the go command sees it)")
	fs.StringVar(&candidates, "candidates", "", "extra proxy URLs, comma-separated, to measure and rank")
	fs.StringVar(&o.format, "format", defFormat, "output format: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.output, "output", "", "also write the JSON report to `FILE`")
	fs.StringVar(&c.Depth, "depth", c.Depth, "mod, zip or full")
	fs.BoolVar(&c.Checksums, "checksums", c.Checksums, "verify go.sum against GOSUMDB")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "deadline for the whole run")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline for one HTTP request")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "requests in flight")
	fs.IntVar(&c.Retries, "retries", c.Retries, "retries of a retryable failure")
	fs.StringVar(&o.failOn, "fail-on", report.FailOnError, "error, warning or never")
	fs.StringVar(&c.Ignore, "ignore", "", "module path patterns (GOPRIVATE syntax) not to check")
	fs.StringVar(&c.CAFile, "ca-file", "", "PEM file of extra CA certificates to trust")
	fs.StringVar(&c.Resolver, "resolver", "", "send DNS queries to this `server` (host:port) instead of the system resolver, as dig @server does")
	fs.BoolVar(&o.setEnv, "set-env", false, "in GitHub Actions, export the recommended GOPROXY to later steps")
	fs.BoolVar(&o.summary, "summary", true, "in GitHub Actions, write the job summary")
	fs.BoolVar(&o.annotations, "annotations", true, "with --format github, annotate go.mod lines")
	fs.StringVar(&c.Cache, "cache", c.Cache, "auto: a version the module cache holds is served from it, as the go command does; ignore: the cold-runner view")
	fs.BoolVar(&c.Offline, "offline", false, "judge from the module cache, vendor/ and file:// GOPROXY directories only; send no request")
	fs.BoolVar(&o.quiet, "quiet", false, "less on stderr")
	fs.BoolVar(&o.verbose, "verbose", false, "more on stderr")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	inputPaths, err := applyInputs(fs, getenv)
	if err != nil {
		return nil, err
	}
	c.DepthSet = flagSet(fs, "depth")
	c.Paths = fs.Args()
	if len(c.Paths) == 0 {
		c.Paths = inputPaths
	}
	if len(c.Paths) == 0 {
		c.Paths = []string{"."}
	}
	for _, s := range strings.Split(candidates, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.Candidates = append(c.Candidates, s)
		}
	}
	switch o.failOn {
	case report.FailOnError, report.FailOnWarning, report.FailOnNever:
	default:
		return nil, fmt.Errorf("--fail-on %q: want error, warning or never", o.failOn)
	}
	if _, err := report.Lookup(o.format); err != nil {
		return nil, fmt.Errorf("--format: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// The two commands beside the check (contract §1); a directory of
	// that name is checked as ./explain or ./run.
	if len(args) > 0 && args[0] == "explain" {
		return runExplain(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "run" {
		return runCommand(ctx, args[1:], getenv, stdout, stderr)
	}
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
	env, err := preflight.LoadEnv(opts.check)
	if err != nil {
		return fail(err)
	}
	opts.check.Env = env
	if ghactions.Active(getenv) {
		// Before anything is printed: the runner hides what it is told.
		maskSecrets(stderr, getenv, env, opts)
	}
	// Requests log and report progress from many goroutines at once.
	var stderrMu sync.Mutex
	if opts.verbose {
		opts.check.Log = func(s string) {
			stderrMu.Lock()
			defer stderrMu.Unlock()
			fmt.Fprintln(stderr, s)
		}
	}
	if !opts.quiet && isTerminal(stderr) {
		var last time.Time
		opts.check.Progress = func(done, total int) {
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
	rep, err := preflight.Check(ctx, opts.check)
	if err != nil {
		return fail(err)
	}
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
		raw := append([]string(nil), opts.check.Candidates...)
		if proxies, err := goenv.ParseProxyList(env.GOPROXY); err == nil {
			for _, e := range proxies {
				raw = append(raw, e.URL)
			}
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

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
