package main

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

// TestDiagnosesDoNotOverreach: a finding says what the evidence shows and
// no more. A deadline that expires is a timeout in its phase, not DNS
// tampering; advice fits the address (nothing listens on a loopback
// port: no firewall to open); a finding about a module names the module
// and the host.
func TestDiagnosesDoNotOverreach(t *testing.T) {
	loopback := netip.MustParseAddr("127.0.0.1")
	var urls urlBook
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) (map[string]string, []string)
		// cause of the module and of its proxy's endpoint.
		cause cause.Code
		// each must appear in the module's finding (title, detail,
		// advice, fix); none of absent may appear in any finding.
		want, absent []string
		// title must hold these (func of the setup's URLs).
		title func() []string
	}{
		{
			// A public name on loopback looks like a sinkhole, but the
			// handshake there only ran out of time: no evidence of
			// tampering, just a slow or stalling path.
			name: "a stalled TLS handshake at a public name on loopback is tls_timeout",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"mirror.example.com": faultserver.Addrs(loopback)})
				_, port, _ := net.SplitHostPort(faultserver.StallHandshake(t))
				u := "https://mirror.example.com:" + port
				urls.set("stall", u)
				return map[string]string{"GOPROXY": u}, []string{"--resolver", dns, "--request-timeout", "1s"}
			},
			cause:  cause.TLSTimeout,
			absent: []string{"tampering", "sinkhole"},
			title:  func() []string { return []string{goodMod, "mirror.example.com:" + port(urls.get("stall"))} },
		},
		{
			name: "a stalled answer at a public name on loopback is timeout, naming module and host",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"mirror.example.com": faultserver.Addrs(loopback)})
				p := goproxytest.New(t, served...)
				p.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", "100")
					w.WriteHeader(http.StatusOK)
					io.WriteString(w, `{"Version":`)
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
					case <-p.Done():
					}
				}))
				u := "http://mirror.example.com:" + port(p.URL())
				urls.set("slow", u)
				return map[string]string{"GOPROXY": u}, []string{"--resolver", dns, "--request-timeout", "1s"}
			},
			cause:  cause.Timeout,
			absent: []string{"tampering", "sinkhole"},
			title:  func() []string { return []string{goodMod, "mirror.example.com:" + port(urls.get("slow"))} },
		},
		{
			name: "a closed loopback port: nothing listens there, no firewall to open",
			setup: func(t *testing.T) (map[string]string, []string) {
				u := "http://" + faultserver.ClosedPort(t)
				urls.set("closed", u)
				return map[string]string{"GOPROXY": u}, nil
			},
			cause:  cause.TCPRefused,
			want:   []string{"nothing listens there: the proxy process is down or the port is wrong"},
			absent: []string{"firewall", "allow egress"},
			title:  func() []string { return []string{goodMod, strings.TrimPrefix(urls.get("closed"), "http://")} },
		},
		{
			name: "localhost resolves to loopback: the same advice",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"localhost": faultserver.Addrs(loopback)})
				u := "http://localhost:" + port("http://"+faultserver.ClosedPort(t))
				urls.set("localhost", u)
				return map[string]string{"GOPROXY": u}, []string{"--resolver", dns}
			},
			cause:  cause.TCPRefused,
			want:   []string{"nothing listens there"},
			absent: []string{"firewall", "allow egress"},
			title:  func() []string { return []string{goodMod, strings.TrimPrefix(urls.get("localhost"), "http://")} },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, args := tc.setup(t)
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
			tr := runTool(t, env, append(append([]string{"--retries", "0", "--timeout", "20s"}, args...), dir)...)
			if tr.rep == nil {
				t.Fatalf("no report (exit %d): %s", tr.code, tr.stderr)
			}
			defer func() {
				if t.Failed() {
					t.Logf("report:\n%s", tr.stdout)
				}
			}()
			if m := tr.module(t, "example.test/good", "v1.0.0"); m.Cause != tc.cause {
				t.Errorf("module cause %s (%s), want %s", m.Cause, m.Detail, tc.cause)
			}
			for _, e := range tr.rep.Endpoints {
				if e.Role == probe.RoleProxy && e.Cause != tc.cause {
					t.Errorf("endpoint %s: cause %s (%s), want %s", e.URL, e.Cause, e.Detail, tc.cause)
				}
			}
			var mf *report.Finding
			for i, f := range tr.rep.Findings {
				text := f.Title + "\n" + f.Detail + "\n" + f.Advice + "\n" + f.Fix
				if f.Cause == cause.DNSBogon || f.Cause == cause.DNSTimeout {
					t.Errorf("finding %s for one expired deadline: %s", f.Cause, f.Title)
				}
				for _, s := range tc.absent {
					if strings.Contains(strings.ToLower(text), s) {
						t.Errorf("finding says %q: %s", s, text)
					}
				}
				if f.Cause == tc.cause && f.Severity == report.SeverityError && mf == nil {
					mf = &tr.rep.Findings[i]
				}
			}
			if mf == nil {
				t.Fatalf("no finding with cause %s naming a module: %+v", tc.cause, tr.rep.Findings)
			}
			text := mf.Title + "\n" + mf.Detail + "\n" + mf.Advice + "\n" + mf.Fix
			for _, s := range tc.want {
				if !strings.Contains(text, s) {
					t.Errorf("finding does not say %q: %s", s, text)
				}
			}
			for _, s := range tc.title() {
				if !strings.Contains(mf.Title, s) {
					t.Errorf("title does not name %q: %s", s, mf.Title)
				}
			}
		})
	}
}

func port(u string) string {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"))
	return p
}
