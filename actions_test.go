package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/ghactions"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// step is one simulated Actions step: the files the runner hands a step,
// the environment it sets, and what the binary left in them.
type step struct {
	env                   map[string]string
	code                  int
	stdout, stderr        string
	outputs, exported     map[string]string
	summary               string
	workspace, runnerTemp string
}

func newStep(t *testing.T) *step {
	t.Helper()
	files := t.TempDir()
	s := &step{workspace: t.TempDir(), runnerTemp: t.TempDir()}
	s.env = map[string]string{
		"GITHUB_ACTIONS": "true", "CI": "true",
		"GITHUB_OUTPUT":       filepath.Join(files, "output"),
		"GITHUB_ENV":          filepath.Join(files, "env"),
		"GITHUB_STEP_SUMMARY": filepath.Join(files, "summary"),
		"GITHUB_WORKSPACE":    s.workspace,
		"RUNNER_TEMP":         s.runnerTemp,
		"GOENV":               "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir(), "GOFLAGS": "-mod=mod",
		"GOMODCACHE": t.TempDir(),
	}
	return s
}

// run runs the binary in-process with exactly the step's environment and
// reads back the file commands.
func (s *step) run(t *testing.T, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	s.code = run(context.Background(), append([]string{"--retries", "0"}, args...), func(k string) string { return s.env[k] }, &stdout, &stderr)
	s.stdout, s.stderr = stdout.String(), stderr.String()
	s.outputs = heredocs(t, s.env["GITHUB_OUTPUT"])
	s.exported = heredocs(t, s.env["GITHUB_ENV"])
	b, _ := os.ReadFile(s.env["GITHUB_STEP_SUMMARY"])
	s.summary = string(b)
}

// heredocs parses a GITHUB_OUTPUT / GITHUB_ENV file as the runner does:
// name<<DELIM lines, the value, DELIM.
func heredocs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("%s line %d: %q is not name<<delimiter", path, i+1, lines[i])
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("%s: value of %s is not closed", path, name)
		}
		if _, dup := out[name]; dup {
			t.Errorf("%s: %s set twice", path, name)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

// runnerCommands returns the workflow commands the runner would act on in
// a log, honouring stop-commands; parsed as actions/runner parses them.
func runnerCommands(log string) (cmds []string, props []map[string]string, data []string) {
	stopped := ""
	for _, l := range strings.Split(log, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "::") {
			continue
		}
		end := strings.Index(l[2:], "::")
		if end < 0 {
			continue
		}
		info, msg := l[2:2+end], l[2+end+2:]
		name, ps, _ := strings.Cut(info, " ")
		if stopped != "" {
			if name == stopped {
				stopped = ""
			}
			continue
		}
		if name == "stop-commands" {
			stopped = msg
			continue
		}
		p := map[string]string{}
		for _, kv := range strings.Split(ps, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				p[k] = unescapeCommand(v, true)
			}
		}
		cmds, props, data = append(cmds, name), append(props, p), append(data, unescapeCommand(msg, false))
	}
	return
}

func unescapeCommand(s string, prop bool) string {
	pairs := []string{"%0D", "\r", "%0A", "\n"}
	if prop {
		pairs = append(pairs, "%3A", ":", "%2C", ",")
	}
	return strings.NewReplacer(append(pairs, "%25", "%")...).Replace(s)
}

// TestActionStep runs the binary as the action runs it: inputs as INPUT_*
// variables, GITHUB_* files, a go.mod in the workspace with one missing
// version, and a GOPROXY with credentials in it.
func TestActionStep(t *testing.T) {
	srv := goproxytest.New(t, fixtures...)
	s := newStep(t)
	os.WriteFile(filepath.Join(s.workspace, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/good v1.9.9\n)\n"), 0o644)
	const password = "pr0xy-s3cret-pw"
	authed := strings.Replace(srv.URL(), "http://", "http://ci-user:"+password+"@", 1)
	for k, v := range map[string]string{
		"GOPROXY": authed, "INPUT_PATH": s.workspace, "INPUT_FAIL-ON": "error", "INPUT_SET-ENV": "true",
		"INPUT_SUMMARY": "true", "INPUT_ANNOTATIONS": "true", "INPUT_DEPTH": "zip", "INPUT_TIMEOUT": "30s",
		"INPUT_PROXY": "", "INPUT_CANDIDATES": "", "INPUT_IGNORE": "", "INPUT_CHECKSUMS": "",
	} {
		s.env[k] = v
	}
	s.run(t)

	if s.code != exitGate {
		t.Errorf("exit code %d, want %d\n%s", s.code, exitGate, s.stderr)
	}
	// The annotation, on the exact line of the missing version.
	cmds, props, data := runnerCommands(s.stdout)
	var errs []int
	for i, c := range cmds {
		if c == "error" {
			errs = append(errs, i)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("%d error annotations, want 1:\n%s", len(errs), s.stdout)
	}
	p := props[errs[0]]
	if p["file"] != "go.mod" || p["line"] != "7" || p["col"] != "2" || p["title"] != "example.test/good@v1.9.9: not_found" {
		t.Errorf("annotation properties %q", p)
	}
	if !strings.Contains(data[errs[0]], "Check the version in go.mod") {
		t.Errorf("annotation message %q lacks the advice", data[errs[0]])
	}
	if !strings.Contains(s.stdout, "\n::error col=2,file=go.mod,line=7,title=example.test/good@v1.9.9%3A not_found::") {
		t.Errorf("annotation line:\n%s", s.stdout)
	}

	// The credential is masked first and never printed anywhere else.
	if !strings.HasPrefix(s.stderr, "::add-mask::") || !strings.Contains(s.stderr, "::add-mask::"+password+"\n") {
		t.Errorf("password not masked first:\n%s", s.stderr)
	}
	var unmasked []string
	for _, l := range strings.Split(s.stderr, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			unmasked = append(unmasked, l)
		}
	}
	for name, text := range map[string]string{"stdout": s.stdout, "stderr": strings.Join(unmasked, "\n"), "summary": s.summary, "outputs": fmt.Sprint(s.outputs), "report": string(mustRead(t, s.outputs["report"]))} {
		if strings.Contains(text, password) {
			t.Errorf("password in %s", name)
		}
	}

	// Outputs.
	rep := &report.Report{}
	data0, err := os.ReadFile(s.outputs["report"])
	if err != nil || json.Unmarshal(data0, rep) != nil {
		t.Fatalf("report output %q: %v", s.outputs["report"], err)
	}
	if filepath.Dir(s.outputs["report"]) != s.runnerTemp {
		t.Errorf("report %s not under RUNNER_TEMP %s", s.outputs["report"], s.runnerTemp)
	}
	want := map[string]string{
		"passed": "false", "unreachable": "0", "not-found": "1",
		"recommended-goproxy": rep.Recommendation.GOPROXY, "fastest-proxy": rep.FastestProxy(), "report": s.outputs["report"],
	}
	if fmt.Sprint(s.outputs) != fmt.Sprint(want) {
		t.Errorf("outputs %q, want %q", s.outputs, want)
	}
	if len(rep.Modules) != 2 || rep.Summary.NotFound != 1 {
		t.Errorf("report: %+v", rep.Summary)
	}
	// --set-env (input set-env: true) exports exactly the recommendation.
	if g := rep.Recommendation.GOPROXY; g != "" && s.exported["GOPROXY"] != g || g == "" && len(s.exported) != 0 {
		t.Errorf("GITHUB_ENV %q for recommendation %q", s.exported, g)
	}
	if !strings.HasPrefix(s.summary, "## ❌ gopreflight: 1 of 2 needed module versions cannot be fetched (1 not_found)\n") ||
		!strings.Contains(s.summary, "### Modules that cannot be fetched") || !strings.Contains(s.summary, "| `example.test/good@v1.9.9` | not_found `not_found` |") {
		t.Errorf("summary:\n%s", s.summary)
	}

	// Inputs off: no summary, no annotations; a flag beats an input
	// (--fail-on never: the gate passes).
	s2 := newStep(t)
	for k, v := range s.env {
		if strings.HasPrefix(k, "INPUT_") || k == "GOPROXY" {
			s2.env[k] = v
		}
	}
	s2.env["INPUT_SUMMARY"], s2.env["INPUT_ANNOTATIONS"], s2.env["INPUT_FAIL-ON"] = "false", "false", "warning"
	s2.run(t, "--fail-on", "never")
	if s2.code != exitOK || s2.summary != "" || strings.Contains(s2.stdout, "::error") || s2.outputs["passed"] != "true" {
		t.Errorf("inputs off: code %d, summary %q, outputs %q\n%s", s2.code, s2.summary, s2.outputs, s2.stdout)
	}

	// A bad input is a usage error that names the input.
	s3 := newStep(t)
	s3.env["INPUT_FAIL-ON"] = "sometimes"
	s3.run(t, s.workspace)
	if s3.code != exitInput || !strings.Contains(s3.stderr, `--fail-on "sometimes"`) {
		t.Errorf("bad input: code %d, stderr %q", s3.code, s3.stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPublishSetEnv: --set-env exports the recommendation, and nothing
// when there is none.
func TestPublishSetEnv(t *testing.T) {
	// The report redacts credentials; GITHUB_ENV must carry the real URL
	// the build step needs.
	configured := &goenv.Env{GOPROXY: "https://ci:s3cret@auth.example,https://proxy.example"}
	for _, tc := range []struct{ rec, env string }{
		{"https://proxy.example,direct", "https://proxy.example,direct"},
		{"https://***@auth.example|https://proxy.example,direct", "https://ci:s3cret@auth.example|https://proxy.example,direct"},
		{"", ""},
	} {
		rec := tc.rec
		s := newStep(t)
		rep := &report.Report{Recommendation: report.Recommendation{GOPROXY: rec},
			Ranking: []report.Rank{{URL: "https://slow.example", Rank: 2, Complete: true}, {URL: "https://fast.example", Rank: 1, Complete: true}, {URL: "https://lag.example", Rank: 3}}}
		var stderr bytes.Buffer
		opts := &options{setEnv: true, summary: true}
		opts.check.Env = configured
		publish(opts, func(k string) string { return s.env[k] }, rep, &stderr)
		exported := heredocs(t, s.env["GITHUB_ENV"])
		outputs := heredocs(t, s.env["GITHUB_OUTPUT"])
		if rec != "" && (len(exported) != 1 || exported["GOPROXY"] != tc.env) || rec == "" && exported != nil {
			t.Errorf("recommendation %q: GITHUB_ENV %q, want GOPROXY=%q", rec, exported, tc.env)
		}
		if strings.Contains(outputs["recommended-goproxy"], "s3cret") {
			t.Errorf("a step output carries the credential: %q", outputs["recommended-goproxy"])
		}
		if outputs["fastest-proxy"] != "https://fast.example" || outputs["recommended-goproxy"] != rec {
			t.Errorf("outputs %q", outputs)
		}
		if stderr.Len() != 0 {
			t.Errorf("stderr: %s", stderr.String())
		}
	}
}

// TestHostileServer: a proxy whose answers carry workflow commands,
// escaped newlines and HTML cannot issue a command or add markup.
func TestHostileServer(t *testing.T) {
	srv := goproxytest.New(t, fixtures...)
	evil := "::error file=evil.go,line=1::pwned %0A::set-env name=A::b <script>alert(1)</script> [x](https://evil.example) ::endgroup::"
	// A portal page whose title carries commands and HTML, and a 401 whose
	// WWW-Authenticate header does: both texts reach the report's detail.
	srv.Handle(func(p string) bool { return strings.HasPrefix(p, "/example.test/evil/") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><head><title>"+evil+"</title></head><body>\n::error::line\n</body></html>")
	}))
	srv.Handle(func(p string) bool { return strings.HasPrefix(p, "/example.test/auth/") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+evil+`"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	s := newStep(t)
	os.WriteFile(filepath.Join(s.workspace, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/evil v1.0.0\n\texample.test/auth v1.0.0\n)\n"), 0o644)
	s.env["GOPROXY"] = srv.URL()
	s.run(t, "--verbose", s.workspace)
	if s.code != exitGate {
		t.Fatalf("exit code %d\n%s", s.code, s.stderr)
	}
	// The server's text did reach the output: the test would prove nothing
	// otherwise.
	if !strings.Contains(s.stdout, "pwned") || !strings.Contains(s.summary, "pwned") {
		t.Fatalf("the hostile body is not in the log or summary; the test proves nothing:\n%s\n%s", s.stdout, s.summary)
	}
	cmds, props, _ := runnerCommands(s.stdout + "\n" + s.stderr)
	for i, c := range cmds {
		switch c {
		case "group", "endgroup", "error", "warning", "notice":
			if props[i]["file"] == "evil.go" {
				t.Errorf("injected annotation: %q", props[i])
			}
		default:
			t.Errorf("server text issued workflow command %q", c)
		}
	}
	if n := strings.Count(strings.Join(cmds, " "), "error"); n != 2 {
		t.Errorf("%d error annotations, want 2: %v", n, cmds)
	}
	for _, l := range strings.Split(s.summary, "\n") {
		if strings.Contains(l, "<script") || regexp.MustCompile(`[^\\]\]\(`).MatchString(l) {
			t.Errorf("summary carries server markup: %q", l)
		}
	}
}

// TestOutsideActionsNoFiles: GITHUB_ACTIONS=true but no file-command files
// (a container, a local act run): warnings, no panic, the same exit code.
func TestOutsideActionsNoFiles(t *testing.T) {
	srv := goproxytest.New(t, fixtures...)
	s := newStep(t)
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"} {
		delete(s.env, k)
	}
	os.WriteFile(filepath.Join(s.workspace, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"), 0o644)
	s.env["GOPROXY"] = srv.URL()
	s.run(t, "--set-env", s.workspace)
	if s.code != exitOK {
		t.Errorf("exit code %d\n%s", s.code, s.stderr)
	}
	if !strings.Contains(s.stderr, "GITHUB_OUTPUT "+ghactions.ErrNoFile.Error()) {
		t.Errorf("stderr does not say why outputs were not written:\n%s", s.stderr)
	}
	if !strings.Contains(s.stdout, "gopreflight PASS: the one needed module version can be fetched") {
		t.Errorf("stdout:\n%s", s.stdout)
	}
}
