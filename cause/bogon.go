package cause

import (
	"net/netip"
	"strings"
)

// bogons are the reserved ranges OONI calls bogons: addresses a public
// name should never resolve to, so seeing one means a sinkhole, tampering
// or split-horizon DNS.
var bogons = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this" network
	netip.MustParsePrefix("10.0.0.0/8"),      // RFC1918
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local
	netip.MustParsePrefix("172.16.0.0/12"),   // RFC1918
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("192.168.0.0/16"),  // RFC1918
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/128"),          // unspecified
	netip.MustParsePrefix("::1/128"),         // loopback
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:2::/48"),     // benchmarking
	netip.MustParsePrefix("2001:10::/28"),    // ORCHID
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fc00::/7"),        // unique local
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("ff00::/8"),        // multicast
}

// IsBogon reports whether addr is in a reserved range OONI calls a bogon:
// loopback, RFC1918 private, link-local, CGNAT 100.64/10, documentation,
// benchmarking, multicast, 0.0.0.0/8, 240/4, unspecified, ULA fc00::/7,
// IPv6 link-local, 2001:db8::/32 and the like. An IPv4-mapped IPv6 address
// is judged as its IPv4 address; the zero Addr is not a bogon.
func IsBogon(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range bogons {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// specialUse are the special-use domains the public DNS does not delegate.
var specialUse = []string{"test", "example", "invalid", "localhost", "local", "home.arpa", "internal", "alt", "onion"}

// IsPublicName reports whether host is a name the public DNS delegates: it
// is false for IP literals, single-label names and names under .test,
// .example, .invalid, .localhost, .local, .home.arpa, .internal, .alt and
// .onion (case-insensitive, a trailing dot allowed).
func IsPublicName(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || strings.HasPrefix(host, "[") {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return false
	}
	if !strings.Contains(host, ".") {
		return false
	}
	for _, d := range specialUse {
		if host == d || strings.HasSuffix(host, "."+d) {
			return false
		}
	}
	return true
}

// BogonEvidence says whether a failure with c, at addresses a name
// resolved to that are all reserved, completes the evidence contract §5
// asks before calling it dns_bogon: the connection there failed (refused,
// unreachable, reset, or a handshake that went wrong). An expired deadline
// (tcp_timeout, tls_timeout) does not: a slow path or a short
// --request-timeout runs out the same way, so it stays the timeout of the
// phase it expired in.
func BogonEvidence(c Code) bool {
	switch c {
	case TCPRefused, TCPUnreachable, TCPReset,
		TLSReset, TLSUnknownAuthority, TLSHostnameMismatch, TLSExpired, TLSPlaintext, TLSFailure:
		return true
	}
	return false
}
