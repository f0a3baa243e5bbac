// Package cause turns Go network errors and HTTP answers into the stable
// cause codes of gopreflight's report.
//
// The codes are public (contract §5): add new ones, never rename.
// Classification goes by error type and errno, never by error text.
package cause

// Code is a cause code of contract §5.
type Code string

// The cause codes, in the contract's order.
const (
	OK                  Code = "ok"
	NotFound            Code = "not_found"
	DNSNXDomain         Code = "dns_nxdomain"
	DNSTimeout          Code = "dns_timeout"
	DNSFailure          Code = "dns_failure"
	DNSBogon            Code = "dns_bogon"
	TCPRefused          Code = "tcp_refused"
	TCPTimeout          Code = "tcp_timeout"
	TCPUnreachable      Code = "tcp_unreachable"
	TCPReset            Code = "tcp_reset"
	TLSReset            Code = "tls_reset"
	TLSTimeout          Code = "tls_timeout"
	TLSUnknownAuthority Code = "tls_unknown_authority"
	TLSHostnameMismatch Code = "tls_hostname_mismatch"
	TLSExpired          Code = "tls_expired"
	TLSPlaintext        Code = "tls_plaintext"
	TLSFailure          Code = "tls_failure"
	ProxyUnreachable    Code = "proxy_unreachable"
	ProxyAuthRequired   Code = "proxy_auth_required"
	HTTPUnauthorized    Code = "http_unauthorized"
	HTTPForbidden       Code = "http_forbidden"
	BlockPage           Code = "block_page"
	RateLimited         Code = "rate_limited"
	ServerError         Code = "server_error"
	BadResponse         Code = "bad_response"
	ChecksumMismatch    Code = "checksum_mismatch"
	Timeout             Code = "timeout"
	VCSFailure          Code = "vcs_failure"
	MirrorLag           Code = "mirror_lag"
	// MissingSum is added to the contract's table (docs/contract.md) (codes are added, never
	// renamed): the module is fetchable but go.sum has no line for it, and
	// nothing will add one (readonly mode, or no checksum database).
	MissingSum Code = "missing_sum"
	// GoModUpdate is added too: go.mod names a query (a branch, v1.2)
	// where a version belongs, and `go build` (-mod=readonly) stops with
	// "updates to go.mod needed" before fetching anything.
	GoModUpdate Code = "gomod_update"
)

// All returns every code in the contract's order, additions last.
func All() []Code {
	return []Code{
		OK, NotFound,
		DNSNXDomain, DNSTimeout, DNSFailure, DNSBogon,
		TCPRefused, TCPTimeout, TCPUnreachable, TCPReset,
		TLSReset, TLSTimeout, TLSUnknownAuthority, TLSHostnameMismatch, TLSExpired, TLSPlaintext, TLSFailure,
		ProxyUnreachable, ProxyAuthRequired,
		HTTPUnauthorized, HTTPForbidden, BlockPage, RateLimited, ServerError, BadResponse,
		ChecksumMismatch, Timeout, VCSFailure, MirrorLag,
		MissingSum, GoModUpdate,
	}
}

// Retryable says whether a request that failed with c may be retried (contract
// §3): timeouts, resets, 429 and 5xx. DNS failures other than a
// timeout are not: Go's resolver has already retried them itself.
func Retryable(c Code) bool {
	switch c {
	case DNSTimeout, TCPTimeout, TLSTimeout, Timeout,
		TCPReset, TLSReset,
		RateLimited, ServerError:
		return true
	}
	return false
}

// Interference says whether c means that the request never got an answer
// from the server itself: the resolver, the network path, TLS, the forward
// proxy or a middlebox failed it or answered in the server's place. Answers
// the server did give (not_found, http_unauthorized, http_forbidden with a
// protocol-shaped body, rate_limited, server_error, bad_response,
// vcs_failure) and findings about content (checksum_mismatch, mirror_lag)
// are not interference. timeout is: a connected request that never gets
// its answer cannot be told apart from a stalling middlebox.
func Interference(c Code) bool {
	switch c {
	case DNSNXDomain, DNSTimeout, DNSFailure, DNSBogon,
		TCPRefused, TCPTimeout, TCPUnreachable, TCPReset,
		TLSReset, TLSTimeout, TLSUnknownAuthority, TLSHostnameMismatch, TLSExpired, TLSPlaintext, TLSFailure,
		ProxyUnreachable, ProxyAuthRequired,
		BlockPage, Timeout:
		return true
	}
	return false
}

// Phase is where in one HTTP exchange an error happened, as recorded by
// net/http/httptrace.
type Phase int

const (
	// PhaseDNS: resolving the host name.
	PhaseDNS Phase = iota
	// PhaseConnect: the TCP connection to the server.
	PhaseConnect
	// PhaseProxy: dialing or CONNECT to a forward proxy.
	PhaseProxy
	// PhaseTLS: the TLS handshake.
	PhaseTLS
	// PhaseHTTP: after the handshake: request written, awaiting or reading
	// the response.
	PhaseHTTP
)

// Want is what body the protocol expects for a request.
type Want int

const (
	// WantInfo: JSON {"Version": ...}.
	WantInfo Want = iota
	// WantList: text lines of versions.
	WantList
	// WantMod: go.mod text.
	WantMod
	// WantZip: a zip archive, or nothing for HEAD.
	WantZip
	// WantGitRefs: a smart-HTTP info/refs advertisement
	// (application/x-git-upload-pack-advertisement).
	WantGitRefs
	// WantSumDB: checksum database text or tiles: lookup, tile, latest
	// note, "supported".
	WantSumDB
	// WantGoImport: a ?go-get=1 HTML page with <meta name="go-import">.
	WantGoImport
)
