package ghactions

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runner simulates a step: the three file commands' files in a temp dir.
func runner(t *testing.T) (*Runner, *bytes.Buffer, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_ENV":          filepath.Join(dir, "env"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"INPUT_FAIL-ON":       "  warning \n",
	}
	var log bytes.Buffer
	return New(&log, func(k string) string { return env[k] }), &log, env
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileCommands(t *testing.T) {
	r, _, env := runner(t)
	if err := r.SetOutput("passed", "false"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetOutput("list", "a\nb"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetEnv("GOPROXY", "https://proxy.example,direct"); err != nil {
		t.Fatal(err)
	}
	if err := r.AddSummary("## hello\n"); err != nil {
		t.Fatal(err)
	}
	d := Delimiter
	if got, want := read(t, env["GITHUB_OUTPUT"]), "passed<<"+d+"\nfalse\n"+d+"\nlist<<"+d+"\na\nb\n"+d+"\n"; got != want {
		t.Errorf("GITHUB_OUTPUT = %q, want %q", got, want)
	}
	if got, want := read(t, env["GITHUB_ENV"]), "GOPROXY<<"+d+"\nhttps://proxy.example,direct\n"+d+"\n"; got != want {
		t.Errorf("GITHUB_ENV = %q, want %q", got, want)
	}
	if got := read(t, env["GITHUB_STEP_SUMMARY"]); got != "## hello\n\n" {
		t.Errorf("GITHUB_STEP_SUMMARY = %q", got)
	}
	if got := r.Input("fail-on"); got != "warning" {
		t.Errorf("Input(fail-on) = %q", got)
	}
}

func TestFileCommandsRefused(t *testing.T) {
	r, _, env := runner(t)
	tests := []struct {
		name string
		err  func() error
		file string
	}{
		{"delimiter in value", func() error { return r.SetOutput("x", "a\n"+Delimiter+"\nevil<<EOF\n1") }, "GITHUB_OUTPUT"},
		{"delimiter in env value", func() error { return r.SetEnv("GOPROXY", "x"+Delimiter) }, "GITHUB_ENV"},
		{"newline in name", func() error { return r.SetOutput("a\nb", "1") }, "GITHUB_OUTPUT"},
		{"= in env name", func() error { return r.SetEnv("A=B", "1") }, "GITHUB_ENV"},
	}
	for _, tt := range tests {
		if err := tt.err(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
		if got := read(t, env[tt.file]); got != "" {
			t.Errorf("%s: %s = %q, want nothing written", tt.name, tt.file, got)
		}
	}
}

// TestOutsideActions: with no file-command files (a laptop, another CI)
// nothing panics and every file command says why it did nothing.
func TestOutsideActions(t *testing.T) {
	var log bytes.Buffer
	for name, env := range map[string]map[string]string{
		"unset":    {},
		"relative": {"GITHUB_OUTPUT": "out", "GITHUB_ENV": "env", "GITHUB_STEP_SUMMARY": "sum"},
		"no dir":   {"GITHUB_OUTPUT": "/nonexistent/dir/out", "GITHUB_ENV": "/nonexistent/dir/env", "GITHUB_STEP_SUMMARY": "/nonexistent/dir/sum"},
	} {
		r := New(&log, func(k string) string { return env[k] })
		if Active(func(k string) string { return env[k] }) {
			t.Errorf("%s: Active", name)
		}
		errs := []error{r.SetOutput("passed", "true"), r.SetEnv("GOPROXY", "off"), r.AddSummary("x")}
		for i, err := range errs {
			if err == nil {
				t.Errorf("%s: file command %d succeeded", name, i)
			}
			if name == "unset" && !errors.Is(err, ErrNoFile) {
				t.Errorf("%s: %v, want ErrNoFile", name, err)
			}
		}
	}
	if _, err := os.Stat("out"); err == nil {
		t.Errorf("a relative GITHUB_OUTPUT was written into the working directory")
	}
}

func TestAnnotateEscapes(t *testing.T) {
	r, log, _ := runner(t)
	r.Annotate(Annotation{Level: Error, File: "a,b:c.mod", Line: 3, Col: 7, Title: "m@v1: not_found", Message: "100% gone\n::warning::x"})
	r.Annotate(Annotation{Level: Warning, Title: "t", Message: "%s %d"})
	r.Annotate(Annotation{Level: Notice, File: "go.sum", Message: "n"})
	r.Mask("s3cret-token")
	r.Mask("ab") // too short to mask usefully
	r.Group("a\nb", func() { log.WriteString("inside\n") })
	if err := r.StopCommands(func() { log.WriteString("::error::not a command\n") }); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	want := []string{
		"::error col=7,file=a%2Cb%3Ac.mod,line=3,title=m@v1%3A not_found::100%25 gone%0A::warning::x",
		"::warning title=t::%25s %25d", // not a format: %s stays text
		"::notice file=go.sum::n",
		"::add-mask::s3cret-token",
		"::group::a b",
		"inside",
		"::endgroup::",
	}
	if len(lines) != len(want)+3 {
		t.Fatalf("log:\n%s", log.String())
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
	stop := strings.TrimPrefix(lines[len(want)], "::stop-commands::")
	if len(stop) < 32 || lines[len(want)+1] != "::error::not a command" || lines[len(want)+2] != "::"+stop+"::" {
		t.Errorf("stop-commands block:\n%s", strings.Join(lines[len(want):], "\n"))
	}
}

// TestGuard: no line written through Guard reads as a workflow command,
// however the text is split across writes.
func TestGuard(t *testing.T) {
	tests := []struct {
		writes []string
		want   string
	}{
		{[]string{"plain\n"}, "plain\n"},
		{[]string{"go.mod: error\n::error::pwned\n"}, "go.mod: error\n| ::error::pwned\n"},
		{[]string{"a\n  ::warn", "ing::x\n"}, "a\n|   ::warning::x\n"},
		{[]string{"x\r::add-mask::y\n"}, "x\r| ::add-mask::y\n"},
		{[]string{"::stop-commands::t"}, "| ::stop-commands::t"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		g := Guard(&b)
		for _, w := range tt.writes {
			g.Write([]byte(w))
		}
		g.Flush()
		if b.String() != tt.want {
			t.Errorf("%q: wrote %q, want %q", tt.writes, b.String(), tt.want)
		}
	}
}

// TestFileCommandErrors: a runner file that cannot be written (a full
// disk) is an error to report, never a panic.
func TestFileCommandErrors(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	env := map[string]string{"GITHUB_OUTPUT": "/dev/full", "GITHUB_ENV": "/dev/full", "GITHUB_STEP_SUMMARY": "/dev/full"}
	r := New(failWriter{}, func(k string) string { return env[k] })
	for name, f := range map[string]func() error{
		"output":  func() error { return r.SetOutput("passed", "true") },
		"env":     func() error { return r.SetEnv("GOPROXY", "off") },
		"summary": func() error { return r.AddSummary("## x\n") },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error writing to /dev/full", name)
		}
	}
	// Workflow commands to a log that fails do not panic either.
	r.Mask("secret-value")
	r.Annotate(Annotation{Level: Error, Message: "m"})
	r.Group("g", func() {})
	if err := r.StopCommands(func() {}); err == nil {
		t.Errorf("StopCommands on a failing log: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("log closed") }
