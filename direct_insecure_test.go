package main

import (
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/gittest"
	"github.com/gopreflight/gopreflight/internal/testca"
	"github.com/gopreflight/gopreflight/report"
)

// TestDirectInsecureDiscovery: GOINSECURE governs discovery as in the go
// command: the https attempt does not verify the certificate (a
// self-signed discovery host resolves), the http fallback follows a failed
// https attempt, and every discovery attempt is in the module's attempts.
// Without GOINSECURE the untrusted certificate is the cause.
func TestDirectInsecureDiscovery(t *testing.T) {
	// The repository, on plain HTTP: the meta tag names it, and GOINSECURE
	// has no say over it.
	repos := gittest.New(t, gittest.Options{})
	repoURL, _ := repos.AddRepo("disc", "example.test/disc", map[string]string{"d.go": "package disc\n"}, "v1.2.0")

	// Discovery over https with a certificate from a CA the tool does not
	// trust (neither SSL_CERT_FILE nor --ca-file names it); the server is
	// the HTTPS forward proxy and tunnels CONNECT to itself.
	ca := testca.New(t)
	leaf := ca.Leaf("example.test", "127.0.0.1")
	tlsDisc := gittest.New(t, gittest.Options{TLS: &leaf})
	tlsDisc.ServeGoImport("example.test/disc", repoURL)
	// Discovery over https that answers, but not for this path (404):
	// an answer is final, so GOINSECURE's http fallback is not taken.
	tlsEmpty := gittest.New(t, gittest.Options{TLS: &leaf})
	// Discovery on plain HTTP only: its CONNECT is refused.
	plainDisc := gittest.New(t, gittest.Options{})
	plainDisc.ServeGoImport("example.test/disc", repoURL)

	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/disc v1.2.0\n"})
	const https, http = "https://example.test/disc?go-get=1", "http://example.test/disc?go-get=1"
	tests := []struct {
		name      string
		proxy     string
		insecure  bool
		status    report.Status
		cause     cause.Code
		discovery []string // discovery URLs attempted, in order
	}{
		{"untrusted https, GOINSECURE", tlsDisc.URL(), true, report.StatusOK, cause.OK, []string{https}},
		{"untrusted https", tlsDisc.URL(), false, report.StatusUnreachable, cause.TLSUnknownAuthority, []string{https}},
		{"plain http, GOINSECURE falls back", plainDisc.URL(), true, report.StatusOK, cause.OK, []string{https, http}},
		{"https answers 404, GOINSECURE does not fall back", tlsEmpty.URL(), true, report.StatusNotFound, cause.NotFound, []string{https}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{
				"GOPROXY": "direct", "GOPRIVATE": "example.test",
				"HTTP_PROXY": tt.proxy, "HTTPS_PROXY": tt.proxy, "NO_PROXY": "127.0.0.1,localhost",
			}
			if tt.insecure {
				env["GOINSECURE"] = "example.test"
			}
			tr := runTool(t, env, "--retries", "0", dir)
			m := tr.module(t, "example.test/disc", "v1.2.0")
			if m.Status != tt.status || m.Cause != tt.cause {
				t.Errorf("module: %s/%s (%s), want %s/%s", m.Status, m.Cause, m.Detail, tt.status, tt.cause)
			}
			var got []string
			for _, a := range m.Attempts {
				if strings.Contains(a.URL, "?go-get=1") {
					got = append(got, a.URL)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.discovery, " ") {
				t.Errorf("discovery attempts %q, want %q", got, tt.discovery)
			}
			if !tt.insecure || tt.proxy != tlsDisc.URL() {
				return
			}
			// Unverified is not trusted: the report says so.
			for _, e := range tr.rep.Endpoints {
				if e.Host == "example.test" && (e.TLS == nil || e.TLS.Trusted) {
					t.Errorf("endpoint %s: TLS %+v, want recorded and untrusted", e.URL, e.TLS)
				}
			}
		})
	}
}
