package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gopreflight/gopreflight/explain"
	"github.com/gopreflight/gopreflight/ghactions"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/preflight"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/workspace"
)

// stdin is what `explain` reads without a LOG and what `run` gives its
// command; tests replace it.
var stdin io.Reader = os.Stdin

// explainUsage is printed for a bad explain or run command line.
const explainUsage = `Usage:
  gopreflight explain [flags] [--path PATH] [LOG ...]
  gopreflight run [flags] [--path PATH] -- COMMAND [ARGS...]

explain reads go command output (stdin without LOG, or with -), names each
module-fetch, checksum, toolchain and VCS failure in it, checks again live
what it names, and says whether each failure persists. run runs COMMAND with
its output passed through and its exit status kept, and explains its output
when it fails (the explanation goes to stderr). PATH is the go.mod, go.work
or directory the log is of (default "."). The flags are the check's.
Exit status: explain 0 nothing to explain, 1 explained failures, 2 unusable
input; run the command's own status (2 when it cannot start).
`

// runExplain is `gopreflight explain`.
func runExplain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// In Actions every line is a workflow command of ours (written to
	// cmds) or guarded: paths, go.mod errors, log lines and server text
	// cannot issue one.
	cmds := stderr
	stderr, flush := guardActions(stderr, getenv)
	defer flush()
	path, args := cutPathFlag(args)
	opts, logs, err := parseExplainFlags(args, getenv)
	if err != nil {
		return usageError(err, stderr)
	}
	if opts.format != "github" { // the github format stops commands around its own text
		var flushOut func()
		stdout, flushOut = guardActions(stdout, getenv)
		defer flushOut()
	}
	var fs []explain.Failure
	if len(logs) == 0 {
		logs = []string{"-"}
	}
	for _, name := range logs {
		got, err := parseLog(name)
		if err != nil {
			fmt.Fprintf(stderr, "gopreflight explain: %v\n", err)
			return exitInput
		}
		fs = append(fs, got...)
	}
	names := strings.Join(logs, ", ")
	if names == "-" {
		names = "stdin"
	}
	code, err := explainFailures(ctx, opts, path, fs, names, getenv, stdout, stderr, cmds)
	if err != nil {
		fmt.Fprintf(stderr, "gopreflight explain: %s\n", goenv.Redact(err.Error()))
		return exitInput
	}
	return code
}

// runCommand is `gopreflight run -- COMMAND [ARGS...]`.
func runCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// The command's own output passes through unchanged (its workflow
	// commands are its own); gopreflight's lines are guarded in Actions.
	cmds := stderr
	msgs, flush := guardActions(stderr, getenv)
	defer flush()
	path, args := cutPathFlag(args)
	i := slices.Index(args, "--")
	if i < 0 || i == len(args)-1 {
		return usageError(errors.New("run: want -- COMMAND [ARGS...]"), msgs)
	}
	command := args[i+1:]
	opts, extra, err := parseExplainFlags(args[:i], getenv)
	if err == nil && len(extra) > 0 {
		err = fmt.Errorf("run: %q before --: want flags only", extra[0])
	}
	if err != nil {
		return usageError(err, msgs)
	}
	// The output is kept in a file, not in memory: a build log can be
	// larger than the memory a CI runner has to spare.
	capture, err := os.CreateTemp("", "gopreflight-run-*.log")
	if err != nil {
		fmt.Fprintf(msgs, "gopreflight run: %v\n", err)
		return exitInput
	}
	defer os.Remove(capture.Name())
	defer capture.Close()
	both := &lockedWriter{w: capture}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stdin = stdin
	cmd.Stdout = io.MultiWriter(stdout, both)
	cmd.Stderr = io.MultiWriter(stderr, both)
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit):
	default:
		fmt.Fprintf(msgs, "gopreflight run: %v\n", err)
		return exitInput
	}
	status := exit.ExitCode()
	if status < 0 {
		status = exitGate // killed by a signal: still a failure
	}
	if _, err := capture.Seek(0, io.SeekStart); err != nil {
		fmt.Fprintf(msgs, "gopreflight run: %v\n", err)
		return status
	}
	fs, err := explain.Parse(capture, strings.Join(command, " "))
	if err != nil {
		fmt.Fprintf(msgs, "gopreflight run: reading the output: %v\n", err)
		return status
	}
	// The report goes to stderr: stdout is the command's.
	out := msgs
	if opts.format == "github" {
		out = cmds // the github format stops commands around its own text
	}
	if _, err := explainFailures(ctx, opts, path, fs, "the output of "+command[0], getenv, out, msgs, cmds); err != nil {
		fmt.Fprintf(msgs, "gopreflight run: %s\n", goenv.Redact(err.Error()))
	}
	return status
}

// explainFailures checks live what fs name and renders the report. The
// exit code is 0 when fs is empty, 1 otherwise; an error is unusable input.
// Masks go to cmds, the unguarded stderr.
func explainFailures(ctx context.Context, opts *options, path string, fs []explain.Failure, what string, getenv func(string) string, stdout, stderr, cmds io.Writer) (int, error) {
	if len(fs) == 0 {
		rep := &report.Report{Schema: report.Schema, ToolVersion: version, Started: time.Now(), Explained: []report.Explained{}}
		rep.Summary.Passed = true
		if opts.format == "json" {
			if err := report.JSON(stdout, rep); err != nil {
				return exitOK, err
			}
		} else {
			fmt.Fprintf(stdout, "gopreflight: nothing to explain: no module-fetch, checksum, toolchain or VCS failure in %s\n", what)
		}
		if opts.output != "" {
			if err := writeJSON(opts.output, rep); err != nil {
				return exitOK, err
			}
		}
		return exitOK, nil
	}
	env, err := preflight.LoadEnv(opts.check)
	if err != nil {
		return exitInput, err
	}
	opts.check.Env = env
	if ghactions.Active(getenv) {
		maskSecrets(cmds, getenv, env, opts)
	}
	paths, cleanup, err := explainPaths(path, fs)
	if err != nil {
		return exitInput, err
	}
	defer cleanup()
	var rep *report.Report
	var refused error
	if len(paths) > 0 {
		opts.check.Paths = paths
		rep, refused = preflight.Check(ctx, opts.check)
	}
	if rep == nil {
		// No build to check, or the check refuses it as the go command
		// would (inconsistent vendoring under -mod=vendor): that refusal
		// may be the very failure the log shows. Judge what can be judged
		// without a check.
		rep = &report.Report{Schema: report.Schema, ToolVersion: version, Started: time.Now()}
		if refused != nil {
			fmt.Fprintf(stderr, "gopreflight: the live check refused the build's inputs: %s\n", goenv.Redact(refused.Error()))
			if ws, err := workspace.Load(orDot(path)); err == nil {
				for _, m := range ws.Modules {
					rep.Inputs = append(rep.Inputs, report.Input{File: m.File, Module: m.Path, Go: m.Go, Toolchain: m.Toolchain})
				}
			}
		}
	} else {
		forgetSynthetic(rep, paths, path)
		rep.Gate(opts.failOn) // the summary is the live check's; the exit code is the log's
	}
	rep.Explained = explain.Judge(fs, rep)
	if refused != nil {
		for i := range rep.Explained {
			if e := &rep.Explained[i]; e.State == report.StateUnknown {
				e.Detail = "the live check refused the build's inputs: " + goenv.Redact(refused.Error())
			}
		}
	}

	render := opts.renderer(getenv)
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
	}
	return exitGate, nil
}

// explainPaths is what the live check reads: the build's go.mod or
// go.work (when path names one, or "." holds one), and a module that
// requires the versions the log names and the build does not (a `go get`
// of a new version, a toolchain), with the build's go.sum.
func explainPaths(path string, fs []explain.Failure) (paths []string, cleanup func(), err error) {
	cleanup = func() {}
	var wss []*workspace.Workspace
	if ws, err := workspace.Load(orDot(path)); err == nil {
		wss = append(wss, ws)
		paths = append(paths, orDot(path))
	} else if path != "" {
		return nil, cleanup, err
	}
	extra := explain.Unchecked(fs, wss)
	if len(extra) == 0 {
		return paths, cleanup, nil
	}
	dir, err := os.MkdirTemp("", "gopreflight-explain-")
	if err != nil {
		return nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	var gomod strings.Builder
	gomod.WriteString("// The module versions a go command's log names, for gopreflight explain.\nmodule gopreflight.explain/log\n\ngo 1.21\n\nrequire (\n")
	for _, v := range extra {
		fmt.Fprintf(&gomod, "\t%s %s\n", v.Path, v.Version)
	}
	gomod.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod.String()), 0o644); err != nil {
		return nil, cleanup, err
	}
	for _, ws := range wss {
		for _, m := range ws.Modules {
			if sum, err := os.ReadFile(filepath.Join(m.Dir, "go.sum")); err == nil {
				if err := appendFile(filepath.Join(dir, "go.sum"), sum); err != nil {
					return nil, cleanup, err
				}
			}
		}
	}
	return append(paths, dir), cleanup, nil
}

// forgetSynthetic drops the module explainPaths made from the report's
// inputs and its file positions: it is no file of the user's, and
// annotations must fall back to the user's go.mod.
func forgetSynthetic(rep *report.Report, paths []string, path string) {
	if len(paths) == 0 || (len(paths) == 1 && paths[0] == orDot(path)) {
		return
	}
	synth := paths[len(paths)-1]
	inSynth := func(file string) bool { return file != "" && filepath.Dir(file) == synth }
	inputs := rep.Inputs[:0]
	for _, in := range rep.Inputs {
		if !inSynth(in.File) {
			inputs = append(inputs, in)
		}
	}
	rep.Inputs = inputs
	for i := range rep.Modules {
		if m := &rep.Modules[i]; inSynth(m.File) {
			m.File, m.Line, m.Column = "", 0, 0
		}
	}
}

func appendFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func orDot(path string) string {
	if path == "" {
		return "."
	}
	return path
}

// parseLog reads one LOG ("-" is stdin).
func parseLog(name string) ([]explain.Failure, error) {
	if name == "-" {
		fs, err := explain.Parse(stdin, "stdin")
		if err != nil {
			return nil, fmt.Errorf("stdin: %w", err)
		}
		return fs, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, want a log file", name)
	}
	fs, err := explain.Parse(f, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return fs, nil
}

// parseExplainFlags parses the check's flags; what follows them is
// returned (LOGs for explain).
func parseExplainFlags(args []string, getenv func(string) string) (*options, []string, error) {
	opts, err := parseFlags(args, getenv)
	if err != nil {
		return nil, nil, err
	}
	// parseFlags defaults to "." when no positional argument is given.
	var rest []string
	if n := len(opts.check.Paths); n > 0 && len(args) >= n && slices.Equal(args[len(args)-n:], opts.check.Paths) {
		rest = opts.check.Paths
	}
	opts.check.Paths = nil
	return opts, rest, nil
}

// cutPathFlag takes --path out of args (before any "--").
func cutPathFlag(args []string) (path string, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return path, append(rest, args[i:]...)
		}
		switch {
		case a == "--path" || a == "-path":
			if i+1 < len(args) {
				path = args[i+1]
				i++
			}
			continue
		case strings.HasPrefix(a, "--path=") || strings.HasPrefix(a, "-path="):
			_, path, _ = strings.Cut(a, "=")
			continue
		}
		rest = append(rest, a)
	}
	return path, rest
}

func usageError(err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, explainUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "gopreflight: %v\n%s", err, explainUsage)
	return exitInput
}

// lockedWriter serialises the command's stdout and stderr into one log,
// in the order they were written.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
