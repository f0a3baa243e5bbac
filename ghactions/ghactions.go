// Package ghactions is gopreflight's one channel to the GitHub Actions
// runner: inputs, step outputs, exported environment variables, secret
// masks, annotations, log groups and the job summary. Everything goes
// through github.com/sethvargo/go-githubactions; this package adds what a
// tool that prints untrusted text needs on top: no panics when a file
// command's file is missing (outside Actions), no value that could end a
// file command's heredoc early, and no untrusted text used as a format.
package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"
)

// Delimiter is the heredoc delimiter go-githubactions writes around every
// value in GITHUB_OUTPUT and GITHUB_ENV. A value holding it could close
// the heredoc early and set other variables, so such values are refused.
const Delimiter = "_GitHubActionsFileCommandDelimeter_"

// ErrNoFile means a file command's file (GITHUB_OUTPUT, GITHUB_ENV,
// GITHUB_STEP_SUMMARY) is not set: the process does not run in an Actions
// step, or the runner does not offer that command.
var ErrNoFile = errors.New("not set: not running in a GitHub Actions step")

// Runner writes workflow commands to one writer (the step's log) and file
// commands to the files the environment names.
type Runner struct {
	a      *githubactions.Action
	getenv func(string) string
}

// New returns a Runner writing workflow commands to w and reading the
// environment through getenv.
func New(w io.Writer, getenv func(string) string) *Runner {
	return &Runner{
		a:      githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv)),
		getenv: getenv,
	}
}

// Active reports whether the process runs in a GitHub Actions step.
func Active(getenv func(string) string) bool { return getenv("GITHUB_ACTIONS") == "true" }

// Input returns the action input name as the runner passes it
// (INPUT_<NAME>, upper-cased, spaces as underscores), trimmed.
func (r *Runner) Input(name string) string { return r.a.GetInput(name) }

// Workspace is GITHUB_WORKSPACE, the directory annotation paths are
// relative to.
func (r *Runner) Workspace() string { return r.getenv("GITHUB_WORKSPACE") }

// Level is an annotation's severity.
type Level string

// Annotation levels, as workflow commands name them.
const (
	Error   Level = "error"
	Warning Level = "warning"
	Notice  Level = "notice"
)

// Annotation is one message shown on a file's line in a pull request and
// in the run's summary. File is relative to the repository root; zero
// Line or Col are left out.
type Annotation struct {
	Level   Level
	File    string
	Line    int
	Col     int
	Title   string
	Message string
}

// Annotate writes one annotation. Properties and message are escaped by
// go-githubactions (%, CR, LF; and : , in properties), so neither can
// start or end a command.
func (r *Runner) Annotate(an Annotation) {
	props := map[string]string{}
	if an.File != "" {
		props["file"] = an.File
		if an.Line > 0 {
			props["line"] = fmt.Sprint(an.Line)
			if an.Col > 0 {
				props["col"] = fmt.Sprint(an.Col)
			}
		}
	}
	if an.Title != "" {
		props["title"] = an.Title
	}
	a := r.a.WithFieldsMap(props)
	unpanic(func() {
		switch an.Level {
		case Error:
			a.Errorf("%s", an.Message)
		case Warning:
			a.Warningf("%s", an.Message)
		default:
			a.Noticef("%s", an.Message)
		}
	})
}

// Mask tells the runner to replace secret with *** in the log from now on.
// Empty and trivially short values are not masked: masking "a" would
// blank every a in the log and hide nothing.
func (r *Runner) Mask(secret string) {
	if len(secret) < 4 {
		return
	}
	unpanic(func() { r.a.AddMask(secret) })
}

// Group runs fn with its log lines folded under title.
func (r *Runner) Group(title string, fn func()) {
	unpanic(func() { r.a.Group(oneLine(title)) })
	defer unpanic(r.a.EndGroup)
	fn()
}

// StopCommands runs fn with workflow commands disabled, so that text it
// prints (server answers, go.mod contents) is shown as text even where a
// line of it looks like "::error::". The token that re-enables commands is
// random, so the text cannot guess it.
func (r *Runner) StopCommands(fn func()) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("stop-commands token: %w", err)
	}
	token := "gopreflight-" + hex.EncodeToString(b[:])
	if err := unpanic(func() { r.a.IssueCommand(&githubactions.Command{Name: "stop-commands", Message: token}) }); err != nil {
		return err
	}
	defer unpanic(func() { r.a.IssueCommand(&githubactions.Command{Name: token}) })
	fn()
	return nil
}

// SetOutput sets a step output (GITHUB_OUTPUT).
func (r *Runner) SetOutput(name, value string) error {
	if err := r.fileCommand("GITHUB_OUTPUT", name, value); err != nil {
		return err
	}
	return unpanic(func() { r.a.SetOutput(name, value) })
}

// SetEnv exports a variable to the job's later steps (GITHUB_ENV).
func (r *Runner) SetEnv(name, value string) error {
	if err := r.fileCommand("GITHUB_ENV", name, value); err != nil {
		return err
	}
	return unpanic(func() { r.a.SetEnv(name, value) })
}

// AddSummary appends Markdown to the job summary (GITHUB_STEP_SUMMARY).
func (r *Runner) AddSummary(markdown string) error {
	if err := r.fileCommand("GITHUB_STEP_SUMMARY", "", ""); err != nil {
		return err
	}
	return unpanic(func() { r.a.AddStepSummary(markdown) })
}

// fileCommand checks, before go-githubactions writes (it panics on any
// error), that the file is named and writable and that name and value
// cannot break out of the heredoc.
func (r *Runner) fileCommand(file, name, value string) error {
	path := r.getenv(file)
	if path == "" {
		return fmt.Errorf("%s %w", file, ErrNoFile)
	}
	if strings.Contains(value, Delimiter) || strings.Contains(name, Delimiter) {
		return fmt.Errorf("%s: value of %q holds the file-command delimiter; refused", file, name)
	}
	if strings.ContainsAny(name, "\r\n=") {
		return fmt.Errorf("%s: name %q holds a line break or '='", file, name)
	}
	if !filepath.IsAbs(path) {
		// The runner always gives an absolute path; a relative one is a
		// misconfiguration that would write into the checkout.
		return fmt.Errorf("%s=%s: not an absolute path", file, path)
	}
	return probeAppend(path)
}

// unpanic runs a go-githubactions call, which panics when its writer or
// file fails (a full disk, a closed log), and returns that as an error:
// a runner that cannot take a command is a warning, never a crash. The
// writers of workflow commands keep their own error for the caller.
func unpanic(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = fmt.Errorf("github actions: %w", e)
			} else {
				err = fmt.Errorf("github actions: %v", p)
			}
		}
	}()
	fn()
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// probeAppend opens path for appending, as go-githubactions will, so that
// a missing directory or a read-only file is an error here and not a panic
// there.
func probeAppend(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("file command: %w", err)
	}
	return f.Close()
}
