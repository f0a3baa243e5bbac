package main

import (
	"bytes"
	"context"
	"encoding/base64"
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

// TestOutputBounded: one very long module path and terminal escapes in
// go.mod cannot amplify the output or reach a terminal raw: every
// format stays within a bound near the input's size, says where it cut,
// and escapes control characters.
func TestOutputBounded(t *testing.T) {
	p := goproxytest.New(t, served...)
	long := "example.test/" + strings.Repeat("a", 512<<10)
	var gomod strings.Builder
	gomod.WriteString("module example.test/app\n\ngo 1.21\n\nrequire (\n")
	for i := range 300 {
		fmt.Fprintf(&gomod, "\texample.test/m%d v1.0.0\n", i)
	}
	gomod.WriteString("\t" + long + " v1.0.0\n\t\"example.test/\x1b[2J\x1b]0;pwned\a\" v1.0.0\n)\n")
	dir := writeModule(t, map[string]string{"go.mod": gomod.String()})
	start := time.Now()
	outs := allFormats(t, map[string]string{"GOPROXY": p.URL()}, "--retries", "0", "--timeout", "20s", dir)
	if el := time.Since(start); el > 40*time.Second {
		t.Errorf("took %v", el)
	}
	for f, out := range outs {
		if len(out) > 2<<20 {
			t.Errorf("--format %s wrote %d bytes for a %d-byte go.mod", f, len(out), gomod.Len())
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "\a") {
			t.Errorf("--format %s prints a raw control character", f)
		}
		if f != "prometheus" && !strings.Contains(out, "cut") {
			t.Errorf("--format %s does not say where it cut", f)
		}
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
