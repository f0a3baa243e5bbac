package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

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
