package faultserver_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/testca"
)

func TestClosedPort(t *testing.T) {
	t.Parallel()
	_, err := net.DialTimeout("tcp", faultserver.ClosedPort(t), 5*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial: %v, want connection refused", err)
	}
}

// fetch GETs target through the proxy p (nil: directly) and returns the
// status and body.
func fetch(t *testing.T, p *url.URL, ca *testca.CA, target string) (int, string, error) {
	t.Helper()
	tr := &http.Transport{Proxy: http.ProxyURL(p), DisableKeepAlives: true}
	if ca != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: ca.Pool()}
	}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get(target)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

func TestForwardProxy(t *testing.T) {
	t.Parallel()
	ca := testca.New(t)
	hello := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
	origin := faultserver.TLS(t, ca, hello)
	plain := httptest.NewServer(hello)
	t.Cleanup(plain.Close)
	plainAddr := plain.Listener.Addr().String()
	p := faultserver.ForwardProxy(t, faultserver.ProxyOptions{User: "u", Password: "p w"})
	withAuth, err := url.Parse(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	withAuth.User = url.UserPassword("u", "p w")
	noAuth, _ := url.Parse(p.URL())

	status, body, err := fetch(t, withAuth, ca, origin.URL())
	if err != nil || status != 200 || body != "hello" {
		t.Fatalf("through the proxy: %d %q %v", status, body, err)
	}
	if n := p.Connects(origin.Addr()); n != 1 {
		t.Errorf("Connects(%s) = %d, want 1", origin.Addr(), n)
	}

	if _, _, err := fetch(t, noAuth, ca, origin.URL()); err == nil {
		t.Error("CONNECT without credentials succeeded")
	}
	if n := p.Connects(origin.Addr()); n != 2 {
		t.Errorf("Connects after a refused CONNECT = %d, want 2", n)
	}

	// Plain http goes as an absolute-URI request.
	status, body, err = fetch(t, withAuth, nil, plain.URL+"/x")
	if err != nil || status != 200 || body != "hello" {
		t.Errorf("absolute-URI request: %d %q %v", status, body, err)
	}
	if status, _, _ := fetch(t, noAuth, nil, plain.URL+"/x"); status != http.StatusProxyAuthRequired {
		t.Errorf("absolute-URI request without credentials: %d, want 407", status)
	}
	if n := p.Forwards(plainAddr); n != 2 {
		t.Errorf("Forwards(%s) = %d, want 2", plainAddr, n)
	}

	// The default dialer never leaves loopback.
	if status, _, _ := fetch(t, withAuth, nil, "http://gopreflight.example/"); status != http.StatusBadGateway {
		t.Errorf("non-loopback target: %d, want 502", status)
	}
}

func TestDNS(t *testing.T) {
	t.Parallel()
	addr := faultserver.DNS(t, map[string]faultserver.Answer{
		"Dual.Test.":  faultserver.Addrs(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")),
		"v4only.test": faultserver.Addrs(netip.MustParseAddr("192.0.2.2")),
		"gone.test":   {Kind: faultserver.NXDomain},
	})
	r := faultserver.Resolver(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := r.LookupNetIP(ctx, "ip", "dual.test")
	slices.SortFunc(got, netip.Addr.Compare)
	if err != nil || len(got) != 2 || got[0].String() != "192.0.2.1" || got[1].String() != "2001:db8::1" {
		t.Errorf("dual.test = %v, %v", got, err)
	}
	if got, err := r.LookupNetIP(ctx, "ip6", "v4only.test"); err == nil {
		t.Errorf("AAAA for v4only.test = %v, want an empty answer", got)
	}
	var dnsErr *net.DNSError
	if _, err := r.LookupNetIP(ctx, "ip", "gone.test"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("gone.test: %v, want not found", err)
	}

	// The same answers over TCP.
	c := dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	m := new(dns.Msg).SetQuestion("v4only.test.", dns.TypeA)
	in, _, err := c.Exchange(m, addr)
	if err != nil || len(in.Answer) != 1 {
		t.Fatalf("TCP query: %v %v", in, err)
	}
	if a, ok := in.Answer[0].(*dns.A); !ok || a.A.String() != "192.0.2.2" {
		t.Errorf("TCP answer = %v", in.Answer[0])
	}
}
