package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
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

// scenario is one misbehaving network, set up for real on loopback, and
// what the report must say about it.
type scenario struct {
	name string
	// setup starts the servers and returns the environment and extra
	// arguments; the go.mod requires mods (default example.test/good
	// v1.0.0).
	setup func(t *testing.T) (env map[string]string, args []string)
	mods  []string
	// want is each module's cause, by path@version.
	want map[string]cause.Code
	// endpoints is the cause each named endpoint (by URL; a func of the
	// setup's URLs) must carry.
	endpoints func() map[string]cause.Code
	// finding, when set, must appear in some finding's title, detail,
	// advice or fix, in a finding with the module's cause.
	finding []string
	code    int
	// extra files beside go.mod (go.sum), known after setup.
	extra func() map[string]string
}

const goodMod = "example.test/good@v1.0.0"

// modules served by the healthy proxies of these tests.
var served = []goproxytest.Module{
	{Path: "example.test/good", Version: "v1.0.0", Files: map[string]string{"good.go": "package good\n"}},
	{Path: "example.test/good", Version: "v1.1.0", Files: map[string]string{"good.go": "package good\n"}},
	{Path: "example.test/fork", Version: "v1.2.0", Files: map[string]string{"f.go": "package fork\n"}},
}

// proxyAnswering is a module proxy whose every request gets h.
func proxyAnswering(t *testing.T, h http.HandlerFunc) *goproxytest.Server {
	p := goproxytest.New(t, served...)
	p.Handle(func(string) bool { return true }, h)
	return p
}

// withCA writes ca for --ca-file.
func withCA(t *testing.T, ca *testca.CA) []string {
	return []string{"--ca-file", ca.WriteFile(t.TempDir())}
}

// proxyDialing is a forward proxy that reaches "host:port" targets at
// the loopback addresses in routes and nowhere else.
func proxyDialing(t *testing.T, opts faultserver.ProxyOptions, routes map[string]string) *faultserver.Proxy {
	opts.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := routes[addr]
		if !ok {
			return nil, fmt.Errorf("test proxy: no route to %s", addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, to)
	}
	return faultserver.ForwardProxy(t, opts)
}

func TestCauses(t *testing.T) {
	loopback := netip.MustParseAddr("127.0.0.1")
	var urls urlBook // endpoint URLs that setups learn
	scenarios := []scenario{
		{
			name: "ok over TLS with --ca-file",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("127.0.0.1"), served...)
				urls.set("ok", p.URL())
				return map[string]string{"GOPROXY": p.URL()}, withCA(t, ca)
			},
			want:      map[string]cause.Code{goodMod: cause.OK},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("ok"): cause.OK} },
		},
		{
			name: "ok over TLS with SSL_CERT_FILE",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("127.0.0.1"), served...)
				return map[string]string{"GOPROXY": p.URL(), "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: map[string]cause.Code{goodMod: cause.OK},
		},
		{
			name: "not_found names the versions that exist",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := goproxytest.New(t, served...)
				urls.set("nf", p.URL())
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			mods:      []string{"example.test/good@v1.9.9"},
			want:      map[string]cause.Code{"example.test/good@v1.9.9": cause.NotFound},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("nf"): cause.OK} },
			finding:   []string{"v1.0.0, v1.1.0", "not network interference"},
			code:      1,
		},
		{
			name: "dns_nxdomain",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"proxy.test": {Kind: faultserver.NXDomain}})
				return map[string]string{"GOPROXY": "https://proxy.test"}, []string{"--resolver", dns}
			},
			want:      map[string]cause.Code{goodMod: cause.DNSNXDomain},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{"https://proxy.test": cause.DNSNXDomain} },
			finding:   []string{"resolver in use: DNS server 127.0.0.1:"},
			code:      1,
		},
		{
			name: "dns_failure (SERVFAIL)",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"proxy.test": {Kind: faultserver.ServFail}})
				return map[string]string{"GOPROXY": "https://proxy.test"}, []string{"--resolver", dns}
			},
			want:      map[string]cause.Code{goodMod: cause.DNSFailure},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{"https://proxy.test": cause.DNSFailure} },
			code:      1,
		},
		{
			name: "dns_timeout (the server never answers)",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"proxy.test": {Kind: faultserver.Drop}})
				return map[string]string{"GOPROXY": "https://proxy.test"}, []string{"--resolver", dns, "--request-timeout", "1s"}
			},
			want:      map[string]cause.Code{goodMod: cause.DNSTimeout},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{"https://proxy.test": cause.DNSTimeout} },
			code:      1,
		},
		{
			// RFC 2606 reserves example.com: a public name that only this
			// test's DNS server answers.
			name: "dns_bogon: a public name resolves to loopback, and nothing answers there",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"mirror.example.com": faultserver.Addrs(loopback)})
				_, port, _ := net.SplitHostPort(faultserver.ClosedPort(t))
				u := "https://mirror.example.com:" + port
				urls.set("bogon", u)
				return map[string]string{"GOPROXY": u}, []string{"--resolver", dns}
			},
			want:      map[string]cause.Code{goodMod: cause.DNSBogon},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("bogon"): cause.DNSBogon} },
			finding:   []string{"reserved addresses (127.0.0.1)"},
			code:      1,
		},
		{
			name: "dns_bogon: a sinkhole answers 0.0.0.0 for any name",
			setup: func(t *testing.T) (map[string]string, []string) {
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"proxy.test": faultserver.Addrs(netip.IPv4Unspecified())})
				_, port, _ := net.SplitHostPort(faultserver.ClosedPort(t))
				return map[string]string{"GOPROXY": "http://proxy.test:" + port}, []string{"--resolver", dns}
			},
			want: map[string]cause.Code{goodMod: cause.DNSBogon},
			code: 1,
		},
		{
			name: "split-horizon: a public name on loopback whose TLS verifies is a notice",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("mirror.example.com"), served...)
				dns := faultserver.DNS(t, map[string]faultserver.Answer{"mirror.example.com": faultserver.Addrs(loopback)})
				_, port, _ := net.SplitHostPort(strings.TrimPrefix(p.URL(), "https://"))
				u := "https://mirror.example.com:" + port
				urls.set("split", u)
				return map[string]string{"GOPROXY": u}, append(withCA(t, ca), "--resolver", dns)
			},
			want:      map[string]cause.Code{goodMod: cause.OK},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("split"): cause.OK} },
			finding:   []string{"TLS there verifies", "locally trusted CA: \"CN=" + testca.CommonName},
		},
		{
			name: "tcp_refused: a closed port",
			setup: func(t *testing.T) (map[string]string, []string) {
				u := "http://" + faultserver.ClosedPort(t)
				urls.set("refused", u)
				return map[string]string{"GOPROXY": u}, nil
			},
			want:      map[string]cause.Code{goodMod: cause.TCPRefused},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("refused"): cause.TCPRefused} },
			finding:   []string{"refused"},
			code:      1,
		},
		{
			name: "tcp_timeout: a full accept backlog drops the SYN; a candidate answers",
			setup: func(t *testing.T) (map[string]string, []string) {
				u := "http://" + faultserver.FullBacklog(t)
				cand := goproxytest.New(t, served...)
				urls.set("backlog", u)
				urls.set("candidate", cand.URL())
				return map[string]string{"GOPROXY": u}, []string{"--request-timeout", "1s", "--candidates", cand.URL()}
			},
			want: map[string]cause.Code{goodMod: cause.TCPTimeout},
			endpoints: func() map[string]cause.Code {
				return map[string]cause.Code{urls.get("backlog"): cause.TCPTimeout, urls.get("candidate"): cause.OK}
			},
			finding: []string{"dropped", "GOPROXY=" + "http://127.0.0.1"},
			code:    1,
		},
		{
			name: "tcp_reset after the response head",
			setup: func(t *testing.T) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.ResetAfterHeaders(t)}, nil
			},
			want: map[string]cause.Code{goodMod: cause.TCPReset},
			code: 1,
		},
		{
			name: "tls_reset after ClientHello",
			setup: func(t *testing.T) (map[string]string, []string) {
				u := "https://" + faultserver.ResetAfterClientHello(t)
				urls.set("tlsreset", u)
				return map[string]string{"GOPROXY": u}, nil
			},
			want:      map[string]cause.Code{goodMod: cause.TLSReset},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("tlsreset"): cause.TLSReset} },
			code:      1,
		},
		{
			name: "tls_timeout: the handshake stalls",
			setup: func(t *testing.T) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.StallHandshake(t)}, []string{"--request-timeout", "1s"}
			},
			want: map[string]cause.Code{goodMod: cause.TLSTimeout},
			code: 1,
		},
		{
			name: "tls_unknown_authority names the intercepting issuer",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := goproxytest.NewTLS(t, testca.New(t).Leaf("127.0.0.1"), served...)
				urls.set("ua", p.URL())
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want:      map[string]cause.Code{goodMod: cause.TLSUnknownAuthority},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("ua"): cause.TLSUnknownAuthority} },
			finding:   []string{"intercepted by \"CN=" + testca.CommonName, "SSL_CERT_FILE="},
			code:      1,
		},
		{
			name: "tls_hostname_mismatch",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("other.test"), served...)
				return map[string]string{"GOPROXY": p.URL()}, withCA(t, ca)
			},
			want: map[string]cause.Code{goodMod: cause.TLSHostnameMismatch},
			code: 1,
		},
		{
			name: "tls_expired",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.LeafWith(time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "127.0.0.1"), served...)
				return map[string]string{"GOPROXY": p.URL()}, withCA(t, ca)
			},
			want: map[string]cause.Code{goodMod: cause.TLSExpired},
			code: 1,
		},
		{
			name: "tls_plaintext: an HTTP answer on the TLS port",
			setup: func(t *testing.T) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.PlaintextOnTLS(t, true)}, nil
			},
			want: map[string]cause.Code{goodMod: cause.TLSPlaintext},
			code: 1,
		},
		{
			name: "tls_plaintext: a banner on the TLS port",
			setup: func(t *testing.T) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.PlaintextOnTLS(t, false)}, nil
			},
			want: map[string]cause.Code{goodMod: cause.TLSPlaintext},
			code: 1,
		},
		{
			name: "tls_failure: no common protocol version",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				srv := httptest.NewUnstartedServer(http.NotFoundHandler())
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Leaf("127.0.0.1")}, MaxVersion: tls.VersionTLS11}
				srv.StartTLS()
				t.Cleanup(srv.Close)
				return map[string]string{"GOPROXY": srv.URL}, withCA(t, ca)
			},
			want: map[string]cause.Code{goodMod: cause.TLSFailure},
			code: 1,
		},
		{
			name: "ok through a forward proxy: the origin is never resolved here",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("proxy.example"), served...)
				fwd := proxyDialing(t, faultserver.ProxyOptions{}, map[string]string{"proxy.example:443": strings.TrimPrefix(p.URL(), "https://")})
				urls.set("fwd", fwd.URL())
				// The resolver knows nothing: a direct lookup would fail.
				dns := faultserver.DNS(t, nil)
				return map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": fwd.URL()}, append(withCA(t, ca), "--resolver", dns)
			},
			want:      map[string]cause.Code{goodMod: cause.OK},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{"https://proxy.example": cause.OK} },
		},
		{
			name: "proxy_unreachable",
			setup: func(t *testing.T) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": "http://" + faultserver.ClosedPort(t)}, nil
			},
			want: map[string]cause.Code{goodMod: cause.ProxyUnreachable},
			endpoints: func() map[string]cause.Code {
				return map[string]cause.Code{"https://proxy.example": cause.ProxyUnreachable}
			},
			code: 1,
		},
		{
			name: "proxy_auth_required: 407 to CONNECT",
			setup: func(t *testing.T) (map[string]string, []string) {
				fwd := faultserver.ForwardProxy(t, faultserver.ProxyOptions{User: "u", Password: "p"})
				return map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": fwd.URL()}, nil
			},
			want: map[string]cause.Code{goodMod: cause.ProxyAuthRequired},
			endpoints: func() map[string]cause.Code {
				return map[string]cause.Code{"https://proxy.example": cause.ProxyAuthRequired}
			},
			finding: []string{"HTTPS_PROXY=http://USER:PASSWORD@127.0.0.1:"},
			code:    1,
		},
		{
			name: "http_unauthorized",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("WWW-Authenticate", `Basic realm="mirror"`)
					http.Error(w, "unauthorized", http.StatusUnauthorized)
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want:    map[string]cause.Code{goodMod: cause.HTTPUnauthorized},
			finding: []string{".netrc"},
			code:    1,
		},
		{
			name: "http_forbidden with a protocol-shaped body",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "forbidden: module blocked by policy", http.StatusForbidden)
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want: map[string]cause.Code{goodMod: cause.HTTPForbidden},
			code: 1,
		},
		{
			name: "block_page: an HTML page where a module was expected",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					io.WriteString(w, "<html><head><title>Access denied by WebFilter</title></head><body>Blocked.</body></html>")
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want:    map[string]cause.Code{goodMod: cause.BlockPage},
			finding: []string{"HTML page"},
			code:    1,
		},
		{
			name: "redirects: zips to a storage host are fine, a portal on another host is block_page",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := goproxytest.New(t, served...)
				storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/zip")
					w.Write(p.Zip("example.test/good", "v1.0.0"))
				}))
				t.Cleanup(storage.Close)
				portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					io.WriteString(w, `<html><title>Guest Wi-Fi</title><form><input type="password" name="pw"></form></html>`)
				}))
				t.Cleanup(portal.Close)
				p.Handle(func(path string) bool { return path == "/example.test/good/@v/v1.0.0.zip" }, http.RedirectHandler(storage.URL+"/blobs/good.zip", http.StatusFound))
				p.Handle(func(path string) bool { return strings.HasPrefix(path, "/example.test/fork/") }, http.RedirectHandler(portal.URL+"/login", http.StatusFound))
				urls.set("storage", storage.URL)
				urls.set("portal", portal.URL)
				urls.set("redirecting", p.URL())
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			mods: []string{goodMod, "example.test/fork@v1.2.0"},
			want: map[string]cause.Code{goodMod: cause.OK, "example.test/fork@v1.2.0": cause.BlockPage},
			endpoints: func() map[string]cause.Code {
				return map[string]cause.Code{urls.get("storage"): cause.OK, urls.get("portal"): cause.BlockPage, urls.get("redirecting"): cause.OK}
			},
			finding: []string{"login"},
			code:    1,
		},
		{
			name: "rate_limited with Retry-After",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", http.StatusTooManyRequests)
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want:    map[string]cause.Code{goodMod: cause.RateLimited},
			finding: []string{"Retry-After: 1"},
			code:    1,
		},
		{
			name: "server_error: 503",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					http.Error(w, "unavailable", http.StatusServiceUnavailable)
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want: map[string]cause.Code{goodMod: cause.ServerError},
			code: 1,
		},
		{
			name: "server_error: HTTP/2 RST_STREAM INTERNAL_ERROR",
			setup: func(t *testing.T) (map[string]string, []string) {
				ca := testca.New(t)
				u := "https://" + faultserver.H2StreamReset(t, ca)
				urls.set("h2", u)
				return map[string]string{"GOPROXY": u}, withCA(t, ca)
			},
			want:      map[string]cause.Code{goodMod: cause.ServerError},
			endpoints: func() map[string]cause.Code { return map[string]cause.Code{urls.get("h2"): cause.ServerError} },
			finding:   []string{"INTERNAL_ERROR"},
			code:      1,
		},
		{
			name: "bad_response: a body shorter than its Content-Length",
			setup: func(t *testing.T) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.TruncatedBody(t)}, nil
			},
			want: map[string]cause.Code{goodMod: cause.BadResponse},
			code: 1,
		},
		{
			name: "timeout: the body stalls",
			setup: func(t *testing.T) (map[string]string, []string) {
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
				return map[string]string{"GOPROXY": p.URL()}, []string{"--request-timeout", "1s"}
			},
			want: map[string]cause.Code{goodMod: cause.Timeout},
			code: 1,
		},
		{
			name: "checksum_mismatch: the proxy serves another go.mod than go.sum records",
			setup: func(t *testing.T) (map[string]string, []string) {
				p := goproxytest.New(t, served...)
				zipLine, modLine := p.GoSum("example.test/good", "v1.0.0")
				urls.set("gosum", zipLine+"\n"+modLine+"\n")
				p.Tamper("example.test/good", "v1.0.0", "module example.test/good\n\nrequire example.test/evil v1.0.0\n")
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			extra: func() map[string]string { return map[string]string{"go.sum": urls.get("gosum")} },
			want:  map[string]cause.Code{goodMod: cause.ChecksumMismatch},
			code:  1,
		},
		{
			name: "vcs_failure: discovery answers a page without a go-import tag",
			setup: func(t *testing.T) (map[string]string, []string) {
				return directRoute(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					io.WriteString(w, "<html><head><title>Repo</title></head><body>nothing here</body></html>")
				})
			},
			mods: []string{"vcs.test/repo@v1.0.0"},
			want: map[string]cause.Code{"vcs.test/repo@v1.0.0": cause.VCSFailure},
			code: 1,
		},
		{
			name: "http_unauthorized on the direct route points at .netrc and insteadOf",
			setup: func(t *testing.T) (map[string]string, []string) {
				return directRoute(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
					http.Error(w, "authentication required", http.StatusUnauthorized)
				})
			},
			mods:    []string{"vcs.test/repo@v1.0.0"},
			want:    map[string]cause.Code{"vcs.test/repo@v1.0.0": cause.HTTPUnauthorized},
			finding: []string{"machine vcs.test login", ".insteadOf"},
			code:    1,
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			env, args := sc.setup(t)
			mods := sc.mods
			if mods == nil {
				mods = []string{goodMod}
			}
			var req strings.Builder
			for _, m := range mods {
				p, v, _ := strings.Cut(m, "@")
				req.WriteString("require " + p + " " + v + "\n")
			}
			files := map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\n" + req.String()}
			if sc.extra != nil {
				for k, v := range sc.extra() {
					files[k] = v
				}
			}
			dir := writeModule(t, files)
			start := time.Now()
			tr := runTool(t, env, append(append([]string{"--retries", "0", "--timeout", "20s"}, args...), dir)...)
			if el := time.Since(start); el > 8*time.Second {
				t.Errorf("run took %v", el)
			}
			checkScenario(t, sc, tr)
		})
	}
}

// directRoute serves vcs.test over HTTPS with h, reached through a
// forward proxy (module paths cannot name a loopback port), and returns
// the environment of a GOPRIVATE module fetched directly.
func directRoute(t *testing.T, h http.HandlerFunc) (map[string]string, []string) {
	ca := testca.New(t)
	srv := faultserver.TLS(t, ca, h, "vcs.test")
	fwd := proxyDialing(t, faultserver.ProxyOptions{}, map[string]string{"vcs.test:443": srv.Addr()})
	return map[string]string{"GOPROXY": "direct", "GOPRIVATE": "vcs.test", "HTTPS_PROXY": fwd.URL()}, withCA(t, ca)
}

// urlBook holds URLs that scenario setups learn, for their checks.
type urlBook struct {
	mu sync.Mutex
	m  map[string]string
}

func (b *urlBook) set(k, v string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]string{}
	}
	b.m[k] = v
}

func (b *urlBook) get(k string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[k]
}

func checkScenario(t *testing.T, sc scenario, tr toolRun) {
	t.Helper()
	if tr.rep == nil {
		t.Fatalf("no report (exit %d): %s", tr.code, tr.stderr)
	}
	if tr.code != sc.code {
		t.Errorf("exit code %d, want %d", tr.code, sc.code)
	}
	for id, want := range sc.want {
		p, v, _ := strings.Cut(id, "@")
		m := tr.module(t, p, v)
		if m.Cause != want {
			t.Errorf("%s: cause %s (%s: %s), want %s", id, m.Cause, m.Status, m.Detail, want)
		}
		// not_found is never interference, and interference never not_found.
		if (m.Status == report.StatusNotFound) != (want == cause.NotFound) {
			t.Errorf("%s: status %s with cause %s", id, m.Status, m.Cause)
		}
	}
	if sc.endpoints != nil {
		for u, want := range sc.endpoints() {
			found := false
			for _, e := range tr.rep.Endpoints {
				if e.URL == u {
					found = true
					if e.Cause != want {
						t.Errorf("endpoint %s: cause %s (%s), want %s", u, e.Cause, e.Detail, want)
					}
					if e.Reachable != (want == cause.OK) && want != cause.BlockPage {
						t.Errorf("endpoint %s: reachable %v with cause %s", u, e.Reachable, e.Cause)
					}
				}
			}
			if !found {
				t.Errorf("no endpoint %s in %+v", u, tr.rep.Endpoints)
			}
		}
	}
	for _, s := range sc.finding {
		found := false
		for _, f := range tr.rep.Findings {
			if strings.Contains(f.Title+"\n"+f.Detail+"\n"+f.Advice+"\n"+f.Fix, s) {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding mentions %q:\n%s", s, tr.stdout)
		}
	}
	for _, f := range tr.rep.Findings {
		if f.Cause == cause.NotFound && strings.Contains(strings.ToLower(f.Title), "interfer") {
			t.Errorf("not_found finding calls it interference: %s", f.Title)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", tr.stdout)
	}
}
