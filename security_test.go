package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/testca"
	"github.com/gopreflight/gopreflight/report"
)

// TestDowngradeRedirectRefused: an https proxy that sends every request
// to a plain-http proxy serving the module does not pass the gate: the
// go command refuses the redirect, and so does gopreflight, sending the
// plain-http proxy nothing (no .netrc credentials in clear text).
func TestDowngradeRedirectRefused(t *testing.T) {
	origin := goproxytest.New(t, served...)
	target, _ := url.Parse(origin.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var leaked []string
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		rp.ServeHTTP(w, r) // it does serve the module
	}))
	defer plain.Close()
	ca := testca.New(t)
	secure := faultserver.TLS(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}), "127.0.0.1")
	home := t.TempDir()
	netrc := writeModule(t, map[string]string{".netrc": "machine " + strings.TrimPrefix(secure.URL(), "https://") + " login ci password s3cret-token\n"})
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
	tr := runTool(t, map[string]string{"GOPROXY": secure.URL(), "HOME": home, "NETRC": netrc + "/.netrc", "GOAUTH": "netrc"},
		append(withCA(t, ca), "--retries", "0", "--timeout", "20s", dir)...)
	if tr.code != 1 {
		t.Errorf("exit %d, want 1 (the gate fails)", tr.code)
	}
	m := tr.module(t, "example.test/good", "v1.0.0")
	if m.Cause != cause.BadResponse || !strings.Contains(m.Detail, "redirected from secure URL") {
		t.Errorf("cause %s (%s), want bad_response naming the refused redirect", m.Cause, m.Detail)
	}
	if m.Status == report.StatusOK {
		t.Errorf("status ok through a refused redirect")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) > 0 {
		t.Errorf("the plain-http proxy got requests: %q", leaked)
	}
	if strings.Contains(tr.stdout+tr.stderr, "s3cret-token") {
		t.Errorf("the .netrc password reached the output")
	}
}

// allFormats runs the tool once per output format with the same setup
// and returns each format's stdout and stderr, and the JSON report.
func allFormats(t *testing.T, env map[string]string, args ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range report.Formats() {
		tr := runTool(t, env, append([]string{"--format", f}, args...)...)
		out[f] = tr.stdout + tr.stderr
		if f == "json" && tr.rep == nil {
			t.Fatalf("no report (exit %d): %s", tr.code, tr.stderr)
		}
	}
	return out
}

// TestEchoedCredentialsRedacted: a server that echoes the request's
// credentials (GOPROXY userinfo, .netrc) in WWW-Authenticate,
// Retry-After or an HTML title does not get them into any output, in
// any of the forms it may echo them in.
func TestEchoedCredentialsRedacted(t *testing.T) {
	const user, pass = "deploy-bot", "Zq9-s3cret/pw"
	ca := testca.New(t)
	srv := faultserver.TLS(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		u, p, _ := r.BasicAuth()
		echo := auth + " " + u + ":" + p + " " + url.QueryEscape(p) + " " + p
		switch {
		case strings.Contains(r.URL.Path, "v1.0.0"):
			w.Header().Set("WWW-Authenticate", `Basic realm="`+echo+`"`)
			w.WriteHeader(http.StatusUnauthorized)
		case strings.Contains(r.URL.Path, "v1.1.0"):
			w.Header().Set("Retry-After", echo)
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><title>" + echo + "</title></html>"))
		}
	}), "127.0.0.1")
	proxy := strings.Replace(srv.URL(), "https://", "https://"+user+":"+url.QueryEscape(pass)+"@", 1)
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/good v1.1.0\n\texample.test/fork v1.2.0\n)\n"})
	outs := allFormats(t, map[string]string{"GOPROXY": proxy}, append(withCA(t, ca), "--retries", "0", "--timeout", "20s", dir)...)
	forbidden := []string{pass, url.QueryEscape(pass), base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))}
	for f, out := range outs {
		for _, s := range forbidden {
			if strings.Contains(out, s) {
				t.Errorf("--format %s prints the credential form %q", f, s)
			}
		}
	}
	if !strings.Contains(outs["json"], "***") {
		t.Errorf("nothing redacted in the JSON report: did the server echo at all?\n%s", outs["json"])
	}
}

// TestOutputBounded: one very long module path in go.mod cannot
// amplify the output: every format stays within a bound near the
// input's size and says where it cut; terminal escapes in go.mod reach
// no output raw.
func TestOutputBounded(t *testing.T) {
	p := goproxytest.New(t, served...)
	long := "example.test/" + strings.Repeat("a", 64<<10)
	var gomod strings.Builder
	gomod.WriteString("module example.test/app\n\ngo 1.21\n\nrequire (\n")
	for i := range 300 {
		fmt.Fprintf(&gomod, "\texample.test/m%d v1.0.0\n", i)
	}
	gomod.WriteString("\t" + long + " v1.0.0\n)\n")
	dir := writeModule(t, map[string]string{"go.mod": gomod.String()})
	start := time.Now()
	outs := allFormats(t, map[string]string{"GOPROXY": p.URL()}, "--retries", "0", "--timeout", "20s", dir)
	if el := time.Since(start); el > 90*time.Second { // seven runs, also under -race
		t.Errorf("took %v", el)
	}
	for f, out := range outs {
		if len(out) > 2<<20 {
			t.Errorf("--format %s wrote %d bytes for a %d-byte go.mod", f, len(out), gomod.Len())
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "\a") {
			t.Errorf("--format %s prints a raw control character", f)
		}
		if f != "prometheus" && !strings.Contains(out, "cut") && !strings.Contains(out, "not shown") {
			t.Errorf("--format %s does not say where it cut", f)
		}
	}
	// A module path holding terminal escapes is unusable input, as for
	// the go command; the error names it escaped.
	esc := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire \"example.test/\x1b[2J\x1b]0;pwned\a\" v1.0.0\n"})
	tr := runTool(t, map[string]string{"GOPROXY": p.URL()}, esc)
	if tr.code != exitInput || !strings.Contains(tr.stderr, "pwned") || strings.ContainsAny(tr.stderr+tr.stdout, "\x1b\a") {
		t.Errorf("exit %d, stderr %q: want 2 with the path escaped", tr.code, tr.stderr)
	}
}

// TestMasksEveryCredential: in Actions, the GOSUMDB URL's credentials
// and the .netrc logins and passwords are masked (with the base64
// user:pass an Authorization header carries), as GOPROXY's are.
func TestMasksEveryCredential(t *testing.T) {
	srv := goproxytest.New(t, fixtures...)
	s := newStep(t)
	os.WriteFile(filepath.Join(s.workspace, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"), 0o644)
	netrc := filepath.Join(t.TempDir(), ".netrc")
	os.WriteFile(netrc, []byte("machine git.example login netrc-login-name password netrc-pass-word\n"), 0o600)
	s.env["GOPROXY"] = srv.URL()
	s.env["NETRC"] = netrc
	s.env["GOSUMDB"] = "sum.golang.org https://sum-user:sum-pass-word@127.0.0.1:9"
	s.run(t, "--checksums=false", s.workspace)
	for _, secret := range []string{"sum-pass-word", "netrc-login-name", "netrc-pass-word", base64.StdEncoding.EncodeToString([]byte("netrc-login-name:netrc-pass-word"))} {
		if !strings.Contains(s.stderr, "::add-mask::"+secret+"\n") {
			t.Errorf("%q not masked:\n%s", secret, s.stderr)
		}
	}
}

// TestRunnerFilesUnwritable: GITHUB_OUTPUT, GITHUB_ENV and
// GITHUB_STEP_SUMMARY on a full disk are warnings; the run carries on
// and exits as the gate says.
func TestRunnerFilesUnwritable(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	srv := goproxytest.New(t, fixtures...)
	for _, tt := range []struct {
		require string
		args    []string
		code    int
	}{
		{"example.test/good v1.0.0", nil, exitOK},
		{"example.test/good v1.9.9", nil, exitGate},
		{"example.test/good v1.9.9", []string{"--fail-on", "never"}, exitOK},
	} {
		s := newStep(t)
		for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"} {
			s.env[k] = "/dev/full"
		}
		os.WriteFile(filepath.Join(s.workspace, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n\nrequire "+tt.require+"\n"), 0o644)
		s.env["GOPROXY"] = srv.URL()
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append(append([]string{"--retries", "0", "--set-env"}, tt.args...), s.workspace), func(k string) string { return s.env[k] }, &stdout, &stderr)
		if code != tt.code {
			t.Errorf("%s %v: exit %d, want %d\n%s", tt.require, tt.args, code, tt.code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%s: no warning about the runner files:\n%s", tt.require, stderr.String())
		}
	}
}

// TestActionsLinesGuarded: in Actions, a go.work `use` of a directory
// named like a workflow command, whose go.mod does not parse, prints its
// error without any line the runner would read as a command; only our
// own ::add-mask:: lines are commands.
func TestActionsLinesGuarded(t *testing.T) {
	s := newStep(t)
	bad := "x\n::error file=evil.go,line=1::pwned\n"
	if err := os.MkdirAll(filepath.Join(s.workspace, bad), 0o755); err != nil {
		t.Skip(err)
	}
	os.WriteFile(filepath.Join(s.workspace, bad, "go.mod"), []byte("module example.test/bad\n\ngo 1.21\n\nrequire (\n"), 0o644)
	os.WriteFile(filepath.Join(s.workspace, "go.work"), []byte("go 1.22\n\nuse \""+strings.ReplaceAll(bad, "\n", `\n`)+"\"\n"), 0o644)
	s.env["GOPROXY"] = "https://u:pw-secret-1@proxy.example"
	s.run(t, "--verbose", s.workspace)
	if s.code != exitInput {
		t.Fatalf("exit %d, want %d (a go.mod that does not parse)\n%s", s.code, exitInput, s.stderr)
	}
	if !strings.Contains(s.stderr, "pwned") {
		t.Fatalf("the directory name is not in the error; the test proves nothing:\n%s", s.stderr)
	}
	for _, out := range []string{s.stdout, s.stderr} {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "::") && !strings.HasPrefix(l, "::add-mask::") {
				t.Errorf("line read as a workflow command: %q", l)
			}
		}
	}
}

// TestVerboseEscaped: --verbose request lines and the text report show
// a server's terminal escapes (here in the names of its certificate,
// which x509's hostname error quotes as given) escaped, never raw.
func TestVerboseEscaped(t *testing.T) {
	ca := testca.New(t)
	srv := faultserver.TLSCert(t, ca.Leaf("\x1b]0;owned\a\x1b[2Jportal.example"), http.NotFoundHandler())
	fwd := proxyDialing(t, faultserver.ProxyOptions{}, map[string]string{"proxy.example:443": srv.Addr()})
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
	tr := runTool(t, map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": fwd.URL()}, append(withCA(t, ca), "--verbose", "--retries", "0", dir)...)
	if !strings.Contains(tr.stderr, "portal") || !strings.Contains(tr.stdout, "portal") {
		t.Fatalf("the certificate's name is not printed; the test proves nothing:\n%s\n%s", tr.stdout, tr.stderr)
	}
	for name, out := range map[string]string{"stdout": tr.stdout, "stderr": tr.stderr} {
		if strings.ContainsAny(out, "\x1b\a") {
			t.Errorf("%s holds a raw control character", name)
		}
	}
}

// TestOutputNoSymlink: --output never writes through a symbolic link; a
// regular file there is replaced whole.
func TestOutputNoSymlink(t *testing.T) {
	p := goproxytest.New(t, served...)
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
	env := map[string]string{"GOPROXY": p.URL(), "GOENV": "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir(), "GOFLAGS": "-mod=mod"}
	out := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	link := filepath.Join(out, "report.json")
	if err := os.Symlink(victim, link); err != nil {
		t.Skip(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--output", link, "--retries", "0", dir}, func(k string) string { return env[k] }, &stdout, &stderr)
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("--output wrote through the symbolic link into %s", victim)
	}
	if !strings.Contains(stderr.String(), "symbolic link") {
		t.Errorf("no word of the refused --output:\n%s", stderr.String())
	}
	if code != exitOK {
		t.Errorf("exit %d, want %d (the check itself passed)", code, exitOK)
	}
	regular := filepath.Join(out, "r.json")
	os.WriteFile(regular, bytes.Repeat([]byte("x"), 1<<20), 0o644)
	run(context.Background(), []string{"--output", regular, "--retries", "0", dir}, func(k string) string { return env[k] }, &stdout, &stderr)
	var rep report.Report
	if b, err := os.ReadFile(regular); err != nil || json.Unmarshal(b, &rep) != nil || rep.Schema != report.Schema {
		t.Errorf("the regular file is not replaced by the report: %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 2 {
		t.Errorf("temporary files left in the output directory: %v", ents)
	}
}

// TestExplainLinesGuarded: explain in Actions prints nothing a runner
// reads as a workflow command but its own, though the build it checks
// lives in a directory named like one and its go.mod does not parse.
func TestExplainLinesGuarded(t *testing.T) {
	s := newStep(t)
	bad := filepath.Join(s.workspace, "x\n::error file=evil.go,line=1::pwned\n")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Skip(err)
	}
	os.WriteFile(filepath.Join(bad, "go.mod"), []byte("module example.test/bad\n\ngo 1.21\n\nrequire (\n"), 0o644)
	log := filepath.Join(t.TempDir(), "build.log")
	os.WriteFile(log, []byte("go: example.test/good@v1.9.9: reading http://127.0.0.1:9/example.test/good/@v/v1.9.9.mod: 404 Not Found\n"), 0o644)
	for _, format := range []string{"text", "github"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"explain", "--format", format, "--path", bad, log}, func(k string) string { return s.env[k] }, &stdout, &stderr)
		if code != exitInput {
			t.Fatalf("%s: exit %d, want %d (a go.mod that does not parse)\n%s", format, code, exitInput, stderr.String())
		}
		if !strings.Contains(stdout.String()+stderr.String(), "pwned") {
			t.Fatalf("%s: the directory name is not printed; the test proves nothing:\n%s\n%s", format, stdout.String(), stderr.String())
		}
		for _, out := range []string{stdout.String(), stderr.String()} {
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "::error file=evil.go") {
					t.Errorf("%s: line read as a workflow command: %q", format, l)
				}
			}
		}
	}
}
