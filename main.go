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
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/ghactions"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/preflight"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/textguard"
)

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
	check                              preflight.Options
	format, output, failOn, candidates string
	setEnv, quiet, verbose, version    bool
	summary, annotations               bool
}

// newFlagSet defines the command's flags on o; parseFlags parses with it
// and --help lists it (usage.go).
func newFlagSet(o *options, getenv func(string) string) *flag.FlagSet {
	c := &o.check
	fs := flag.NewFlagSet("gopreflight", flag.ContinueOnError)
	// Errors are returned and printed once by run; --help goes to stdout.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defFormat := "text"
	if getenv("GITHUB_ACTIONS") == "true" {
		defFormat = "github"
	}
	fs.StringVar(&c.Proxy, "proxy", "", "GOPROXY value to check (default: GOPROXY as the go command sees it)")
	fs.StringVar(&o.candidates, "candidates", "", "extra proxy URLs, comma-separated, to measure and rank")
	fs.StringVar(&o.format, "format", defFormat, "report format on stdout: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.output, "output", "", "also write the JSON report to `FILE`")
	fs.StringVar(&c.Depth, "depth", c.Depth, "mod: .info and .mod; zip: also each needed zip is servable; full: download and hash the zips")
	fs.BoolVar(&c.Checksums, "checksums", c.Checksums, "verify go.sum against GOSUMDB; off when GOSUMDB=off")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "deadline for the whole run; a report is still printed")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline for one HTTP request, connect to last byte")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "requests in flight")
	fs.IntVar(&c.Retries, "retries", c.Retries, "retries of timeouts, resets, 429 and 5xx")
	fs.StringVar(&o.failOn, "fail-on", report.FailOnError, "fail (exit 1) on findings of this severity or worse")
	fs.StringVar(&c.Ignore, "ignore", "", "module path patterns (GOPRIVATE syntax) not to check")
	fs.StringVar(&c.CAFile, "ca-file", "", "PEM `FILE` of extra CA certificates to trust (SSL_CERT_FILE also works)")
	fs.StringVar(&c.Resolver, "resolver", "", "send DNS queries to this `HOST:PORT` instead of the system resolver, as dig @server does")
	fs.BoolVar(&o.setEnv, "set-env", false, "in GitHub Actions, export the recommended GOPROXY to later steps (GITHUB_ENV)")
	fs.BoolVar(&o.summary, "summary", true, "in GitHub Actions, write the job summary")
	fs.BoolVar(&o.annotations, "annotations", true, "with --format github, annotate the go.mod and go.sum lines")
	fs.StringVar(&c.Cache, "cache", c.Cache, "auto: a version the module cache holds is served from it, as the go command does; ignore: the cold-runner view")
	fs.BoolVar(&c.Offline, "offline", false, "judge from the module cache, vendor/ and file:// GOPROXY directories only; send no request")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line on stderr")
	fs.BoolVar(&o.verbose, "verbose", false, "log every request on stderr: what was asked of whom, and the answer")
	fs.BoolVar(&o.version, "version", false, "print the version, commit and Go release, and exit")
	return fs
}

func parseFlags(args []string, getenv func(string) string) (*options, error) {
	o := &options{check: preflight.DefaultOptions()}
	c := &o.check
	c.ToolVersion = version
	c.Getenv = getenv
	fs := newFlagSet(o, getenv)
	args, err := boolArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, flagError(fs, err)
	}
	if o.version {
		return o, nil
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
	for _, s := range strings.Split(o.candidates, ",") {
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

// badValue is how the flag package words a value it cannot parse.
var badValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([a-z-]+): `)

// flagError rewords a parse error so that it names the flag as the
// README writes it and the form it wants.
func flagError(fs *flag.FlagSet, err error) error {
	m := badValue.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%w (gopreflight --help lists the flags)", err)
	}
	want := "another value"
	if g, ok := fs.Lookup(m[2]).Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			want = "a duration such as 500ms, 30s or 2m"
		case int:
			want = "a whole number"
		}
	}
	return fmt.Errorf("--%s %s: want %s", m[2], m[1], want)
}

// boolArgs accepts a boolean flag's value as the next argument, the form
// the README shows (--checksums false), as well as --checksums=false: the
// flag package alone would take "false" for a PATH. Only true and false
// are taken that way; a word such as "no" or "off" after a boolean flag,
// or after its "=", is an error that names the flag and the forms.
func boolArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" || !strings.HasPrefix(a, "-") {
			return append(out, args[i:]...), nil // flags end at the first PATH
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f == nil || !isBoolFlag(f) {
			out = append(out, a)
			if f != nil && !hasValue && i+1 < len(args) {
				i++ // the value of a non-boolean flag, even one starting with -
				out = append(out, args[i])
			}
			continue
		}
		if !hasValue && i+1 < len(args) {
			switch next := args[i+1]; strings.ToLower(next) {
			case "true", "false":
				value, hasValue = next, true
				i++
			case "yes", "no", "on", "off", "y", "n":
				value, hasValue = next, true
			}
		}
		if hasValue {
			if !isBoolWord(value) {
				return nil, fmt.Errorf("--%s %s: a boolean flag takes true or false: --%s=false or --%s false (alone, --%s means true)", name, value, name, name, name)
			}
			a = "--" + name + "=" + strings.ToLower(value)
		}
		out = append(out, a)
	}
	return out, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagAfterPath names a flag written after the first PATH (gopreflight .
// --verbose): flags end at the first PATH, as for the go command, so it
// would otherwise be read as a file that does not exist. An argument
// that exists on disk, or one after "-" or "--", stays a PATH.
func flagAfterPath(paths []string) error {
	if len(paths) < 2 || paths[0] == "-" {
		return nil
	}
	fs := newFlagSet(&options{check: preflight.DefaultOptions()}, func(string) string { return "" })
	for _, a := range paths[1:] {
		if a == "-" || a == "--" {
			return nil
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || fs.Lookup(name) == nil {
			continue
		}
		if _, err := os.Lstat(a); err == nil {
			continue
		}
		return fmt.Errorf("%s after the PATH %q: flags go before the paths (gopreflight [flags] [PATH ...])", a, paths[0])
	}
	return nil
}

// isBoolWord: the values boolArgs documents, in any case.
func isBoolWord(s string) bool {
	s = strings.ToLower(s)
	return s == "true" || s == "false"
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
	if len(args) == 1 && args[0] == "help" {
		args = []string{"--help"} // as `go help` answers
	}
	// In Actions every line printed is a workflow command of ours (written
	// to cmds) or guarded: file names, go.mod errors and server text
	// cannot issue one.
	cmds := stderr
	stderr, flush := guardActions(stderr, getenv)
	defer flush()
	opts, err := parseFlags(args, getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, newFlagSet(&options{check: preflight.DefaultOptions()}, getenv))
			return exitOK
		}
		fmt.Fprintf(stderr, "gopreflight: %v\n", err)
		return exitInput
	}
	if opts.version {
		printVersion(stdout, buildInfo())
		return exitOK
	}
	if err := flagAfterPath(opts.check.Paths); err != nil {
		fmt.Fprintf(stderr, "gopreflight: %v\n", err)
		return exitInput
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "gopreflight: %s\n", textguard.Escape(goenv.Redact(err.Error())))
		return exitInput
	}
	env, err := preflight.LoadEnv(opts.check)
	if err != nil {
		return fail(err)
	}
	opts.check.Env = env
	if ghactions.Active(getenv) {
		// Before anything is printed: the runner hides what it is told.
		maskSecrets(cmds, getenv, env, opts)
	}
	// Requests log and report progress from many goroutines at once.
	var stderrMu sync.Mutex
	if opts.verbose {
		// Request lines carry server text: echoed credentials and
		// terminal escapes are taken out, as from the report.
		secrets := textguard.NewRedactor(env.KnownSecrets(env.Netrc(), append([]string{opts.check.Proxy}, opts.check.Candidates...)...))
		opts.check.Log = func(s string) {
			s = strings.ReplaceAll(textguard.Escape(secrets.Redact(s)), "\n", `\n`)
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
	build := buildInfo()
	rep.Version = &build
	passed := rep.Gate(opts.failOn)

	render := opts.renderer(getenv)
	if opts.format != "github" { // the github format stops commands around its own text
		var flushOut func()
		stdout, flushOut = guardActions(stdout, getenv)
		defer flushOut()
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
		publish(opts, getenv, rep, stderr)
	} else if opts.setEnv {
		fmt.Fprintf(stderr, "gopreflight: %s\n", setEnvElsewhere(rep))
	}
	if !passed && opts.failOn != report.FailOnNever {
		return exitGate
	}
	return exitOK
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// guardActions returns w wrapped, in Actions, so that no line written to
// it is read as a workflow command (ghactions.Guard), and the function
// that flushes it; elsewhere w itself.
func guardActions(w io.Writer, getenv func(string) string) (io.Writer, func()) {
	if !ghactions.Active(getenv) {
		return w, func() {}
	}
	g := ghactions.Guard(w)
	return g, func() { g.Flush() }
}
