package cause_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
)

func TestIsBogon(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "172.16.0.1": true, "172.32.0.1": false, "192.168.1.1": true,
		"169.254.169.254": true, "100.64.0.1": true, "100.128.0.1": false, "0.0.0.0": true, "0.1.2.3": true,
		"192.0.2.10": true, "198.51.100.1": true, "203.0.113.9": true, "198.18.0.1": true, "224.0.0.1": true,
		"240.0.0.1": true, "255.255.255.255": true, "8.8.8.8": false, "142.250.0.1": false,
		"::": true, "::1": true, "fc00::1": true, "fd12::1": true, "fe80::1": true, "fe80::1%eth0": true,
		"ff02::1": true, "2001:db8::1": true, "100::1": true, "::ffff:10.0.0.1": true, "::ffff:8.8.8.8": false,
		"2001:4860:4860::8888": false, "2606:4700::1111": false,
	} {
		if got := cause.IsBogon(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsBogon(%s) = %v, want %v", addr, got, want)
		}
	}
	if cause.IsBogon(netip.Addr{}) {
		t.Error("IsBogon(zero Addr) = true")
	}
}

func TestIsPublicName(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"goproxy.example.com": true, "GOPROXY.EXAMPLE.COM.": true, "example.com": true, "sum.example.org": true,
		"localhost": false, "intranet": false, "": false, "intranet.": false,
		"proxy.test": false, "a.b.EXAMPLE": false, "x.invalid": false, "app.localhost": false, "nas.local": false,
		"printer.home.arpa": false, "home.arpa": false, "git.corp.internal": false, "x.alt": false, "abc.onion": false,
		"test.com": true, "mytest": false, "notexample.org": true,
		"127.0.0.1": false, "::1": false, "[::1]": false, "2001:db8::1": false,
	} {
		if got := cause.IsPublicName(host); got != want {
			t.Errorf("IsPublicName(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestBogonAnswer resolves a public-looking name that a tampering resolver
// points at loopback, as the probe layer sees it.
func TestBogonAnswer(t *testing.T) {
	t.Parallel()
	addr := faultserver.DNS(t, map[string]faultserver.Answer{
		"proxy.example.com":    faultserver.Addrs(netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")),
		"sinkhole.example.com": faultserver.Addrs(netip.MustParseAddr("0.0.0.0")),
	})
	r := faultserver.Resolver(addr)
	for name, want := range map[string]int{"proxy.example.com": 2, "sinkhole.example.com": 1} {
		addrs, err := r.LookupNetIP(context.Background(), "ip", name)
		if err != nil {
			t.Fatalf("lookup %s: %v", name, err)
		}
		if len(addrs) != want {
			t.Errorf("lookup %s = %v, want %d addresses", name, addrs, want)
		}
		if !cause.IsPublicName(name) {
			t.Errorf("IsPublicName(%s) = false", name)
		}
		for _, a := range addrs {
			if !cause.IsBogon(a) {
				t.Errorf("IsBogon(%s) = false", a)
			}
		}
	}
}

// TestBogonEvidence: a failed connection completes the evidence for
// dns_bogon; an expired deadline, or an answer from the server, does not.
func TestBogonEvidence(t *testing.T) {
	t.Parallel()
	for c, want := range map[cause.Code]bool{
		cause.TCPRefused: true, cause.TCPUnreachable: true, cause.TCPReset: true, cause.TLSReset: true,
		cause.TLSUnknownAuthority: true, cause.TLSHostnameMismatch: true, cause.TLSPlaintext: true,
		cause.TCPTimeout: false, cause.TLSTimeout: false, cause.Timeout: false, cause.DNSTimeout: false,
		cause.OK: false, cause.NotFound: false, cause.ServerError: false,
	} {
		if got := cause.BogonEvidence(c); got != want {
			t.Errorf("BogonEvidence(%s) = %v, want %v", c, got, want)
		}
	}
}
