package faultserver

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// AnswerKind says how the DNS server answers a name.
type AnswerKind int

const (
	// Records answers with the Answer's addresses: A for IPv4, AAAA for
	// IPv6; a query for a type with no address gets an empty NOERROR.
	Records AnswerKind = iota
	// NXDomain answers that the name does not exist. Names absent from the
	// zone get this too.
	NXDomain
	// ServFail answers SERVFAIL.
	ServFail
	// Drop never answers.
	Drop
)

// Answer is how the DNS server answers one name.
type Answer struct {
	Kind  AnswerKind
	Addrs []netip.Addr
}

// Addrs is an Answer of Records with addrs.
func Addrs(addrs ...netip.Addr) Answer { return Answer{Kind: Records, Addrs: addrs} }

// DNS starts a DNS server on 127.0.0.1, UDP and TCP on the same port,
// answering A and AAAA queries from zone (names are case-insensitive, with
// or without the trailing dot), and returns its address. Point a resolver
// at it with Resolver.
func DNS(t testing.TB, zone map[string]Answer) string {
	t.Helper()
	pc, ln := listenUDPAndTCP(t)
	return serveDNS(t, zone, pc, ln)
}

// DNSOn is DNS listening on addr (UDP and TCP), for an address the test
// itself owns, such as its end of a veth pair into a network namespace it
// created, where resolv.conf can only name port 53.
func DNSOn(t testing.TB, addr string, zone map[string]Answer) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("faultserver: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = pc.Close()
		t.Fatalf("faultserver: %v", err)
	}
	return serveDNS(t, zone, pc, ln)
}

func serveDNS(t testing.TB, zone map[string]Answer, pc net.PacketConn, ln net.Listener) string {
	t.Helper()
	h := make(zoneHandler, len(zone))
	for name, a := range zone {
		h[dns.Fqdn(strings.ToLower(name))] = a
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = srv.ActivateAndServe()
		}()
		select {
		case <-started:
		case <-served:
			t.Fatalf("faultserver: DNS server stopped before it started")
		case <-time.After(5 * time.Second):
			t.Fatalf("faultserver: DNS server did not start")
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.ShutdownContext(ctx)
			<-served
		})
	}
	return pc.LocalAddr().String()
}

// listenUDPAndTCP finds a loopback port free for both UDP and TCP.
func listenUDPAndTCP(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	var lastErr error
	for range 10 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("faultserver: %v", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		lastErr = err
		_ = pc.Close()
	}
	t.Fatalf("faultserver: no port free for both UDP and TCP: %v", lastErr)
	return nil, nil
}

// Resolver returns a pure-Go resolver that sends every query to the DNS
// server at addr, over UDP or TCP as the resolver chooses. /etc/hosts is
// still consulted first, so tests should use names under .test or .example.
func Resolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

type zoneHandler map[string]Answer

func (z zoneHandler) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	// Look like a recursive resolver, or Go's resolver calls an empty
	// answer a lame referral.
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	a, ok := z[strings.ToLower(q.Name)]
	switch {
	case !ok || a.Kind == NXDomain:
		m.Rcode = dns.RcodeNameError
	case a.Kind == ServFail:
		m.Rcode = dns.RcodeServerFailure
	case a.Kind == Drop:
		return
	default:
		for _, ip := range a.Addrs {
			hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 60}
			switch {
			case q.Qtype == dns.TypeA && ip.Is4():
				hdr.Rrtype = dns.TypeA
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: ip.AsSlice()})
			case q.Qtype == dns.TypeAAAA && ip.Is6() && !ip.Is4In6():
				hdr.Rrtype = dns.TypeAAAA
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: ip.AsSlice()})
			}
		}
	}
	_ = w.WriteMsg(m)
}
