package cause_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/testca"
)

// short is the deadline of the tests that wait for something that never
// comes.
const short = 300 * time.Millisecond

// get fetches url with c and reads the whole body, returning the first error.
func get(t *testing.T, c *http.Client, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}

// client returns an HTTP/1.1 client trusting ca (nil: no extra roots).
func client(ca *testca.CA) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{},
		TLSHandshakeTimeout: 5 * time.Second,
		DisableKeepAlives:   true,
	}
	if ca != nil {
		tr.TLSClientConfig.RootCAs = ca.Pool()
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
}

// TestClassifyRealNetwork makes every failure for real on loopback and
// checks what Classify names it.
func TestClassifyRealNetwork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		run    func(t *testing.T) (error, cause.Phase)
		want   cause.Code
		detail string // a substring the detail must hold
	}{
		{
			name: "closed port, raw dial",
			run: func(t *testing.T) (error, cause.Phase) {
				_, err := net.DialTimeout("tcp", faultserver.ClosedPort(t), 5*time.Second)
				return err, cause.PhaseConnect
			},
			want: cause.TCPRefused, detail: "connection refused",
		},
		{
			name: "closed port, http client",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "http://"+faultserver.ClosedPort(t)+"/"), cause.PhaseConnect
			},
			want: cause.TCPRefused, detail: "connection refused",
		},
		{
			name: "full accept backlog, raw dial",
			run: func(t *testing.T) (error, cause.Phase) {
				_, err := net.DialTimeout("tcp", faultserver.FullBacklog(t), short)
				return err, cause.PhaseConnect
			},
			want: cause.TCPTimeout, detail: "timeout",
		},
		{
			name: "full accept backlog, raw dial, phase recorded late",
			run: func(t *testing.T) (error, cause.Phase) {
				// A dial error is a connect failure whatever phase the
				// trace had reached.
				_, err := net.DialTimeout("tcp", faultserver.FullBacklog(t), short)
				return err, cause.PhaseTLS
			},
			want: cause.TCPTimeout,
		},
		{
			// net/http returns the client's deadline, not the dial error:
			// only the phase tells a connect timeout apart.
			name: "full accept backlog, http client",
			run: func(t *testing.T) (error, cause.Phase) {
				c := client(nil)
				c.Timeout = short
				return get(t, c, "http://"+faultserver.FullBacklog(t)+"/"), cause.PhaseConnect
			},
			want: cause.TCPTimeout,
		},
		{
			name: "reset right after ClientHello",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "https://"+faultserver.ResetAfterClientHello(t)+"/"), cause.PhaseTLS
			},
			want: cause.TLSReset, detail: "reset",
		},
		{
			name: "closed right after ClientHello",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "https://"+faultserver.CloseAfterClientHello(t)+"/"), cause.PhaseTLS
			},
			want: cause.TLSReset, detail: "EOF",
		},
		{
			name: "handshake never answered, transport handshake timeout",
			run: func(t *testing.T) (error, cause.Phase) {
				c := client(nil)
				c.Transport.(*http.Transport).TLSHandshakeTimeout = short
				return get(t, c, "https://"+faultserver.StallHandshake(t)+"/"), cause.PhaseTLS
			},
			want: cause.TLSTimeout,
		},
		{
			name: "handshake never answered, context deadline",
			run: func(t *testing.T) (error, cause.Phase) {
				ctx, cancel := context.WithTimeout(context.Background(), short)
				defer cancel()
				d := tls.Dialer{Config: &tls.Config{ServerName: "proxy.golang.test"}}
				_, err := d.DialContext(ctx, "tcp", faultserver.StallHandshake(t))
				return err, cause.PhaseTLS
			},
			want: cause.TLSTimeout,
		},
		{
			name: "plain HTTP on the TLS port, http client",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "https://"+faultserver.PlaintextOnTLS(t, true)+"/"), cause.PhaseTLS
			},
			want: cause.TLSPlaintext, detail: "plain HTTP",
		},
		{
			name: "plain HTTP on the TLS port, tls.Dial",
			run: func(t *testing.T) (error, cause.Phase) {
				d := tls.Dialer{Config: &tls.Config{ServerName: "proxy.golang.test"}}
				_, err := d.DialContext(context.Background(), "tcp", faultserver.PlaintextOnTLS(t, true))
				return err, cause.PhaseTLS
			},
			want: cause.TLSPlaintext, detail: "plain HTTP",
		},
		{
			name: "non-HTTP bytes on the TLS port",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "https://"+faultserver.PlaintextOnTLS(t, false)+"/"), cause.PhaseTLS
			},
			want: cause.TLSPlaintext, detail: `"SSH-2"`,
		},
		{
			name: "certificate from an untrusted CA",
			run: func(t *testing.T) (error, cause.Phase) {
				srv := faultserver.TLS(t, testca.New(t), okHandler())
				return get(t, client(testca.New(t)), srv.URL()), cause.PhaseTLS
			},
			want: cause.TLSUnknownAuthority, detail: "CN=" + testca.CommonName,
		},
		{
			name: "certificate for another name",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				srv := faultserver.TLS(t, ca, okHandler(), "other.test")
				return get(t, client(ca), srv.URL()), cause.PhaseTLS
			},
			want: cause.TLSHostnameMismatch, detail: "other.test",
		},
		{
			name: "expired certificate",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				now := time.Now()
				srv := faultserver.TLSCert(t, ca.LeafWith(now.Add(-48*time.Hour), now.Add(-24*time.Hour), "127.0.0.1"), okHandler())
				return get(t, client(ca), srv.URL()), cause.PhaseTLS
			},
			want: cause.TLSExpired, detail: "expired",
		},
		{
			name: "TLS alert from the server",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				srv := httptest.NewUnstartedServer(okHandler())
				srv.TLS = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{ca.Leaf("127.0.0.1")}}
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.StartTLS()
				t.Cleanup(srv.Close)
				c := client(ca)
				c.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS12
				return get(t, c, srv.URL), cause.PhaseTLS
			},
			want: cause.TLSFailure, detail: "protocol version",
		},
		{
			name: "HTTP/2 RST_STREAM INTERNAL_ERROR, x/net transport",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				c := &http.Client{Transport: &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
				return get(t, c, "https://"+faultserver.H2StreamReset(t, ca)+"/"), cause.PhaseHTTP
			},
			want: cause.ServerError, detail: "INTERNAL_ERROR",
		},
		{
			name: "HTTP/2 RST_STREAM INTERNAL_ERROR, net/http transport",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				c := client(ca)
				c.Transport.(*http.Transport).ForceAttemptHTTP2 = true
				return get(t, c, "https://"+faultserver.H2StreamReset(t, ca)+"/"), cause.PhaseHTTP
			},
			want: cause.ServerError, detail: "INTERNAL_ERROR",
		},
		{
			name: "HTTP/2 GOAWAY INTERNAL_ERROR, x/net transport",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				c := &http.Client{Transport: &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
				return get(t, c, "https://"+faultserver.H2GoAway(t, ca)+"/"), cause.PhaseHTTP
			},
			want: cause.ServerError, detail: `GOAWAY: INTERNAL_ERROR "overloaded"`,
		},
		{
			name: "reset after the response head",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "http://"+faultserver.ResetAfterHeaders(t)+"/"), cause.PhaseHTTP
			},
			want: cause.TCPReset, detail: "reset",
		},
		{
			name: "truncated body",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "http://"+faultserver.TruncatedBody(t)+"/"), cause.PhaseHTTP
			},
			want: cause.BadResponse, detail: "truncated",
		},
		{
			name: "connection closed without an answer",
			run: func(t *testing.T) (error, cause.Phase) {
				return get(t, client(nil), "http://"+faultserver.HangUp(t)+"/"), cause.PhaseHTTP
			},
			want: cause.TCPReset, detail: "EOF",
		},
		{
			name: "answer slower than the request timeout",
			run: func(t *testing.T) (error, cause.Phase) {
				ca := testca.New(t)
				// Not r.Context(): answering as soon as the client hangs up
				// can race its close and hand it a response after all.
				release := make(chan struct{})
				srv := faultserver.TLS(t, ca, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
					select {
					case <-release:
					case <-time.After(5 * time.Second):
					}
				}))
				t.Cleanup(func() { close(release) }) // runs before the server's own cleanup
				c := client(ca)
				c.Timeout = short
				return get(t, c, srv.URL()), cause.PhaseHTTP
			},
			want: cause.Timeout,
		},
		{
			name: "forward proxy not listening",
			run: func(t *testing.T) (error, cause.Phase) {
				c := client(nil)
				c.Transport.(*http.Transport).Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: faultserver.ClosedPort(t)})
				return get(t, c, "https://127.0.0.1:1/"), cause.PhaseProxy
			},
			want: cause.ProxyUnreachable, detail: "connection refused",
		},
		{
			name: "forward proxy not listening, phase recorded as connect",
			run: func(t *testing.T) (error, cause.Phase) {
				c := client(nil)
				c.Transport.(*http.Transport).Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: faultserver.ClosedPort(t)})
				return get(t, c, "https://127.0.0.1:1/"), cause.PhaseConnect
			},
			want: cause.ProxyUnreachable,
		},
		{
			name: "forward proxy name does not resolve",
			run: func(t *testing.T) (error, cause.Phase) {
				c := client(nil)
				tr := c.Transport.(*http.Transport)
				tr.DialContext = (&net.Dialer{Resolver: resolver(t)}).DialContext
				tr.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: "proxy.missing.test:3128"})
				return get(t, c, "https://127.0.0.1:1/"), cause.PhaseDNS
			},
			want: cause.ProxyUnreachable, detail: "no such host",
		},
		{
			name: "forward proxy answers CONNECT with 407",
			run: func(t *testing.T) (error, cause.Phase) {
				p := faultserver.ForwardProxy(t, faultserver.ProxyOptions{User: "u", Password: "p"})
				c := proxyClient(t, p, nil)
				err := get(t, c, "https://127.0.0.1:1/")
				if n := p.Connects("127.0.0.1:1"); n != 1 {
					t.Errorf("proxy saw %d CONNECTs, want 1", n)
				}
				return err, cause.PhaseProxy
			},
			want: cause.ProxyAuthRequired, detail: `407 Proxy Authentication Required (Proxy-Authenticate: Basic realm="gopreflight test proxy")`,
		},
		{
			name: "forward proxy answers CONNECT with 407, no hook installed",
			run: func(t *testing.T) (error, cause.Phase) {
				p := faultserver.ForwardProxy(t, faultserver.ProxyOptions{User: "u", Password: "p"})
				c := proxyClient(t, p, nil)
				c.Transport.(*http.Transport).OnProxyConnectResponse = nil
				// net/http's error is untyped: the best Classify can say.
				return get(t, c, "https://127.0.0.1:1/"), cause.PhaseProxy
			},
			want: cause.ProxyUnreachable,
		},
		{
			name: "forward proxy denies the host",
			run: func(t *testing.T) (error, cause.Phase) {
				p := faultserver.ForwardProxy(t, faultserver.ProxyOptions{ConnectStatus: http.StatusForbidden})
				return get(t, proxyClient(t, p, nil), "https://127.0.0.1:1/"), cause.PhaseProxy
			},
			want: cause.HTTPForbidden, detail: "403",
		},
		{
			name: "forward proxy cannot reach the server",
			run: func(t *testing.T) (error, cause.Phase) {
				p := faultserver.ForwardProxy(t, faultserver.ProxyOptions{})
				return get(t, proxyClient(t, p, nil), "https://"+faultserver.ClosedPort(t)+"/"), cause.PhaseProxy
			},
			want: cause.ServerError, detail: "502",
		},
		{
			name: "forward proxy tunnels to an interceptor",
			run: func(t *testing.T) (error, cause.Phase) {
				p := faultserver.ForwardProxy(t, faultserver.ProxyOptions{})
				srv := faultserver.TLS(t, testca.New(t), okHandler())
				return get(t, proxyClient(t, p, testca.New(t)), srv.URL()), cause.PhaseTLS
			},
			want: cause.TLSUnknownAuthority, detail: testca.CommonName,
		},
		{
			name: "NXDOMAIN",
			run: func(t *testing.T) (error, cause.Phase) {
				_, err := resolver(t).LookupNetIP(context.Background(), "ip", "missing.test")
				return err, cause.PhaseDNS
			},
			want: cause.DNSNXDomain, detail: "no such host",
		},
		{
			name: "NXDOMAIN through an http client",
			run: func(t *testing.T) (error, cause.Phase) {
				d := &net.Dialer{Resolver: resolver(t)}
				c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 5 * time.Second}
				return get(t, c, "http://missing.test/"), cause.PhaseDNS
			},
			want: cause.DNSNXDomain,
		},
		{
			name: "SERVFAIL",
			run: func(t *testing.T) (error, cause.Phase) {
				_, err := resolver(t).LookupNetIP(context.Background(), "ip", "servfail.test")
				return err, cause.PhaseDNS
			},
			want: cause.DNSFailure,
		},
		{
			name: "resolver never answers",
			run: func(t *testing.T) (error, cause.Phase) {
				ctx, cancel := context.WithTimeout(context.Background(), short)
				defer cancel()
				_, err := resolver(t).LookupNetIP(ctx, "ip", "drop.test")
				return err, cause.PhaseDNS
			},
			want: cause.DNSTimeout,
		},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name   string
			run    func(t *testing.T) (error, cause.Phase)
			want   cause.Code
			detail string
		}{
			// Linux refuses a TCP connect to a multicast address with
			// ENETUNREACH before any packet leaves.
			name: "no route: TCP to a multicast address",
			run: func(t *testing.T) (error, cause.Phase) {
				_, err := net.DialTimeout("tcp", "224.0.0.1:443", time.Second)
				return err, cause.PhaseConnect
			},
			want: cause.TCPUnreachable, detail: "network is unreachable",
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err, phase := tt.run(t)
			if err == nil {
				t.Fatal("no error")
			}
			code, detail := cause.Classify(err, phase)
			t.Logf("%s: %s", code, detail)
			if code != tt.want || !strings.Contains(detail, tt.detail) {
				t.Errorf("Classify(%q (%T)) = %s, %q; want %s, detail holding %q", err, err, code, detail, tt.want, tt.detail)
			}
		})
	}
}

// proxyClient is a client going through p, reading CONNECT answers with
// cause.OnProxyConnectResponse.
func proxyClient(t *testing.T, p *faultserver.Proxy, ca *testca.CA) *http.Client {
	t.Helper()
	u, err := url.Parse(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := client(ca)
	tr := c.Transport.(*http.Transport)
	tr.Proxy = http.ProxyURL(u)
	tr.OnProxyConnectResponse = cause.OnProxyConnectResponse
	return c
}

func resolver(t *testing.T) *net.Resolver {
	return faultserver.Resolver(faultserver.DNS(t, map[string]faultserver.Answer{
		"servfail.test": {Kind: faultserver.ServFail},
		"drop.test":     {Kind: faultserver.Drop},
	}))
}

// TestClassifyConstructed covers what loopback cannot produce without
// changing the host's routes.
func TestClassifyConstructed(t *testing.T) {
	t.Parallel()
	dialErr := func(errno syscall.Errno) error {
		return &url.Error{Op: "Get", URL: "https://proxy.golang.test/", Err: &net.OpError{
			Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443},
			Err: &os.SyscallError{Syscall: "connect", Err: errno},
		}}
	}
	tests := []struct {
		name  string
		err   error
		phase cause.Phase
		want  cause.Code
	}{
		{"nil", nil, cause.PhaseHTTP, cause.OK},
		{"host unreachable", dialErr(syscall.EHOSTUNREACH), cause.PhaseConnect, cause.TCPUnreachable},
		{"connect timed out in the kernel", dialErr(syscall.ETIMEDOUT), cause.PhaseConnect, cause.TCPTimeout},
		{"canceled", context.Canceled, cause.PhaseHTTP, cause.Timeout},
		{"deadline while resolving", context.DeadlineExceeded, cause.PhaseDNS, cause.DNSTimeout},
		{"untyped, TLS", errors.New("tls: server selected unsupported protocol version 300"), cause.PhaseTLS, cause.TLSFailure},
		{"untyped, HTTP", errors.New(`malformed HTTP response "garbage"`), cause.PhaseHTTP, cause.BadResponse},
		{"HTTP/2 protocol error", http2.ConnectionError(http2.ErrCodeProtocol), cause.PhaseHTTP, cause.BadResponse},
	}
	for _, tt := range tests {
		if got, _ := cause.Classify(tt.err, tt.phase); got != tt.want {
			t.Errorf("%s: Classify = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestPresentedCert(t *testing.T) {
	t.Parallel()
	ca := testca.New(t)
	srv := faultserver.TLS(t, ca, okHandler(), "interceptor.test")
	err := get(t, client(nil), srv.URL())
	subject, issuer := cause.PresentedCert(err)
	if subject != "CN=interceptor.test,O=gopreflight tests" || issuer != "CN="+testca.CommonName+",O=gopreflight tests" {
		t.Errorf("PresentedCert = %q, %q", subject, issuer)
	}
	if s, i := cause.PresentedCert(io.EOF); s != "" || i != "" {
		t.Errorf("PresentedCert(io.EOF) = %q, %q", s, i)
	}
}

func TestFromProxyConnect(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]cause.Code{
		200: cause.OK, 407: cause.ProxyAuthRequired, 403: cause.HTTPForbidden, 451: cause.HTTPForbidden,
		429: cause.RateLimited, 502: cause.ServerError, 504: cause.ServerError, 400: cause.ProxyUnreachable, 405: cause.ProxyUnreachable,
	} {
		if got := cause.FromProxyConnect(status); got != want {
			t.Errorf("FromProxyConnect(%d) = %s, want %s", status, got, want)
		}
	}
}
