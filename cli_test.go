package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/preflight"
	"github.com/gopreflight/gopreflight/report"
)

func runCLI(args []string, env map[string]string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, &o, &e)
	return code, o.String(), e.String()
}

// TestHelp: --help (and -h, -help) print the grouped flags and examples
// to stdout and exit 0; every flag is in exactly one group.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help", "help"} {
		code, stdout, stderr := runCLI([]string{arg}, nil)
		if code != exitOK || stderr != "" {
			t.Errorf("%s: exit %d, stderr %q; want 0 and nothing on stderr", arg, code, stderr)
		}
		for _, want := range []string{"Usage: gopreflight [flags] [PATH ...]\n", "\nWhat to check:\n", "\nNetwork:\n", "\nGate:\n", "\nOutput:\n", "\nGitHub Actions", "\nExamples:\n  gopreflight "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: stdout lacks %q:\n%s", arg, want, stdout)
			}
		}
	}
	fs := newFlagSet(&options{check: preflight.DefaultOptions()}, func(string) string { return "" })
	seen := map[string]int{}
	for _, g := range flagGroups {
		for _, n := range g.names {
			seen[n]++
			if fs.Lookup(n) == nil {
				t.Errorf("group %q names %q, which is not a flag", g.title, n)
			}
		}
	}
	_, stdout, _ := runCLI([]string{"--help"}, nil)
	fs.VisitAll(func(f *flag.Flag) {
		if seen[f.Name] != 1 {
			t.Errorf("flag --%s is in %d groups of --help, want 1", f.Name, seen[f.Name])
		}
		if !strings.Contains(stdout, "\n  --"+f.Name+" ") {
			t.Errorf("--help does not list --%s", f.Name)
		}
	})
}

// TestVersion: --version names the version, module version, commit and
// Go release; the JSON report carries the same as "version".
func TestVersion(t *testing.T) {
	code, stdout, stderr := runCLI([]string{"--version"}, nil)
	if code != exitOK || stderr != "" {
		t.Fatalf("--version: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{"gopreflight " + version, "module: github.com/gopreflight/gopreflight ", "commit: ", "go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if len(lines) != len(want) {
		t.Fatalf("--version printed %d lines, want %d:\n%s", len(lines), len(want), stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("--version line %d %q, want prefix %q", i+1, lines[i], w)
		}
	}

	srv := goproxytest.New(t, fixtures...)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"), 0o644)
	env := map[string]string{"GOPROXY": srv.URL(), "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOENV": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir(), "GOMODCACHE": t.TempDir()}
	code, stdout, stderr = runCLI([]string{"--format", "json", "--retries", "0", dir}, env)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version == nil || rep.Version.Version != version || rep.Version.Go != runtime.Version() || rep.Version.Platform != runtime.GOOS+"/"+runtime.GOARCH || rep.Version.ModuleVersion == "" {
		t.Errorf("report version %+v", rep.Version)
	}
	if !strings.Contains(stdout, `"version": {`) {
		t.Errorf("the JSON report has no version object:\n%.400s", stdout)
	}
}

// TestBoolFlagForms: a boolean flag takes --flag, --flag=false and the
// README's --flag false, the same for every boolean flag; any other word
// is an error naming the flag and the forms, never a PATH.
func TestBoolFlagForms(t *testing.T) {
	tests := []struct {
		args      []string
		checksums bool
		summary   bool
		paths     []string
		err       string
	}{
		{args: nil, checksums: true, summary: true, paths: []string{"."}},
		{args: []string{"--checksums", "false"}, checksums: false, summary: true, paths: []string{"."}},
		{args: []string{"--checksums=false"}, checksums: false, summary: true, paths: []string{"."}},
		{args: []string{"-checksums", "False", "dir"}, checksums: false, summary: true, paths: []string{"dir"}},
		{args: []string{"--checksums", "true", "a", "b"}, checksums: true, summary: true, paths: []string{"a", "b"}},
		{args: []string{"--checksums", "dir"}, checksums: true, summary: true, paths: []string{"dir"}},
		{args: []string{"--summary", "false", "--checksums", "--depth", "mod", "x"}, checksums: true, summary: false, paths: []string{"x"}},
		{args: []string{"--summary", "FALSE", "--checksums=TRUE"}, checksums: true, summary: false, paths: []string{"."}},
		{args: []string{"--checksums", "--", "false"}, checksums: true, summary: true, paths: []string{"false"}},
		{args: []string{"-", "--checksums", "false"}, checksums: true, summary: true, paths: []string{"-", "--checksums", "false"}},
		{args: []string{"--checksums", "no"}, err: "--checksums no: a boolean flag takes true or false: --checksums=false or --checksums false"},
		{args: []string{"--summary=off"}, err: "--summary off: a boolean flag takes true or false: --summary=false or --summary false"},
		{args: []string{"--checksums=1"}, err: "--checksums 1: a boolean flag takes true or false"},
		{args: []string{"--depth"}, err: "flag needs an argument: -depth (gopreflight --help lists the flags)"},
		{args: []string{"--timeout", "5"}, err: "--timeout 5: want a duration such as 500ms, 30s or 2m"},
		{args: []string{"--request-timeout=soon"}, err: "--request-timeout soon: want a duration such as 500ms, 30s or 2m"},
		{args: []string{"--retries", "two"}, err: "--retries two: want a whole number"},
		{args: []string{"--nope"}, err: "flag provided but not defined: -nope (gopreflight --help lists the flags)"},
	}
	for _, tt := range tests {
		o, err := parseFlags(tt.args, func(string) string { return "" })
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if o.check.Checksums != tt.checksums || o.summary != tt.summary || !slices.Equal(o.check.Paths, tt.paths) {
			t.Errorf("%q: checksums %v summary %v paths %q, want %v %v %q", tt.args, o.check.Checksums, o.summary, o.check.Paths, tt.checksums, tt.summary, tt.paths)
		}
	}
	// Through run: the misuse is one line on stderr and exit 2.
	code, _, stderr := runCLI([]string{"--checksums", "no", "."}, nil)
	if code != exitInput || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--checksums no") {
		t.Errorf("--checksums no: exit %d, stderr %q; want 2 and one line naming the flag", code, stderr)
	}
}

// TestFlagAfterPath: a flag written after the first PATH is named as
// such (exit 2, one line), not reported as a file that does not exist;
// after "--" or "-", or when such a file exists, it stays a PATH.
func TestFlagAfterPath(t *testing.T) {
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n"})
	gomod := filepath.Join(dir, "go.mod")
	misplaced := func(flag, path string) string {
		return fmt.Sprintf("gopreflight: %s after the PATH %q: flags go before the paths (gopreflight [flags] [PATH ...])\n", flag, path)
	}
	for _, tt := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{dir, "--checksums", "false"}, exitInput, misplaced("--checksums", dir)},
		{[]string{dir, "-verbose"}, exitInput, misplaced("-verbose", dir)},
		{[]string{gomod, dir, "--depth=mod"}, exitInput, misplaced("--depth=mod", gomod)},
		{[]string{"--checksums", "false", dir}, exitOK, ""},
		{[]string{dir, gomod}, exitOK, ""},
	} {
		code, _, stderr := runCLI(append([]string{"--offline", "--format", "json"}, tt.args...), map[string]string{"GOENV": "off", "GOFLAGS": "", "HOME": t.TempDir(), "GOMODCACHE": t.TempDir()})
		if code != tt.code || (tt.err != "" && stderr != tt.err) {
			t.Errorf("%q: exit %d, stderr %q; want %d, %q", tt.args, code, stderr, tt.code, tt.err)
		}
	}
}

// TestActionInputsAreFlags: every action input but path is a flag of the
// same name, and every flag but --version and --quiet (a progress line
// the runner never shows: it is not a terminal) is an input; an input's
// value reaches the flag and a bad one names the input.
func TestActionInputsAreFlags(t *testing.T) {
	a := readAction(t)
	fs := newFlagSet(&options{check: preflight.DefaultOptions()}, func(string) string { return "" })
	for _, in := range keys(a.inputs) {
		if in != "path" && fs.Lookup(in) == nil {
			t.Errorf("action input %q is no flag", in)
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := a.inputs[f.Name]; !ok && f.Name != "version" && f.Name != "quiet" {
			t.Errorf("flag --%s has no action input", f.Name)
		}
		if !slices.Contains(actionInputs, f.Name) && f.Name != "version" && f.Name != "quiet" {
			t.Errorf("flag --%s is not read from INPUT_%s (actionInputs)", f.Name, strings.ToUpper(f.Name))
		}
	})
	env := map[string]string{"GITHUB_ACTIONS": "true", "INPUT_REQUEST-TIMEOUT": "3s", "INPUT_CONCURRENCY": "5", "INPUT_RETRIES": "0",
		"INPUT_CA-FILE": "ca.pem", "INPUT_FORMAT": "json", "INPUT_OUTPUT": "r.json", "INPUT_RESOLVER": "127.0.0.1:53", "INPUT_VERBOSE": "true"}
	o, err := parseFlags(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.check.RequestTimeout.String() != "3s" || o.check.Concurrency != 5 || o.check.Retries != 0 || o.check.CAFile != "ca.pem" ||
		o.format != "json" || o.output != "r.json" || o.check.Resolver != "127.0.0.1:53" || !o.verbose {
		t.Errorf("inputs did not reach the flags: %+v", o)
	}
	env["INPUT_REQUEST-TIMEOUT"] = "soon"
	if _, err := parseFlags(nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "input request-timeout") {
		t.Errorf("a bad input: %v, want an error naming input request-timeout", err)
	}
}

// TestVerboseLog: --verbose on a passing run logs every request, what was
// asked of whom and the answer (the lines come from concurrent requests:
// their order is not fixed); without it, nothing.
func TestVerboseLog(t *testing.T) {
	srv := goproxytest.New(t, fixtures...)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"), 0o644)
	env := map[string]string{"GOPROXY": srv.URL(), "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOENV": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir(), "GOMODCACHE": t.TempDir()}
	code, _, stderr := runCLI([]string{"--verbose", "--depth", "zip", "--retries", "0", dir}, env)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	slices.Sort(lines)
	want := []string{
		"GET " + srv.URL() + "/example.test/good/@v/v1.0.0.info -> 200 ok in ",
		"GET " + srv.URL() + "/example.test/good/@v/v1.0.0.mod -> 200 ok in ",
		"GET " + srv.URL() + "/sumdb/sum.golang.org/supported -> 404 not_found in ",
		"HEAD " + srv.URL() + "/example.test/good/@v/v1.0.0.zip -> 200 ok in ",
	}
	if len(lines) != len(want) {
		t.Fatalf("--verbose logged %d lines, want %d:\n%s", len(lines), len(want), stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || !strings.Contains(lines[i], "ms") {
			t.Errorf("log line %q, want %q…ms", lines[i], w)
		}
	}
	if _, _, stderr := runCLI([]string{"--depth", "zip", "--retries", "0", dir}, env); stderr != "" {
		t.Errorf("without --verbose, stderr %q", stderr)
	}
}
