package cause

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/net/http2"
)

// Classify names the cause of err, which happened in phase p, with a short
// human detail. A nil err is OK.
//
// The error's type decides where it can: a *net.DNSError is a DNS cause and
// a certificate error a TLS cause whatever p says, and a failed dial to a
// forward proxy (net/http wraps it in a *net.OpError with Op "proxyconnect")
// is proxy_unreachable in any phase. p places the errors that look alike in
// every phase: timeouts (dns_timeout, tcp_timeout, tls_timeout, timeout),
// resets and EOF (tls_reset during the handshake, tcp_reset otherwise), and
// errors with no useful type (dns_failure, tcp_unreachable,
// proxy_unreachable, tls_failure, bad_response).
//
// In PhaseProxy a failed dial is proxy_unreachable; a proxy that was
// reached but then timed out or reset is timeout or tcp_reset. Its answer
// to CONNECT is not an error net/http types: install OnProxyConnectResponse
// as the Transport's hook so that it reaches Classify as a
// *ProxyConnectError.
//
// No error text is matched: the one untyped error that matters, net/http's
// errors.New of a CONNECT answer's reason phrase, is avoided by that hook.
func Classify(err error, p Phase) (Code, string) {
	if err == nil {
		return OK, ""
	}
	var pce *ProxyConnectError
	if errors.As(err, &pce) {
		return FromProxyConnect(pce.StatusCode), pce.Error()
	}
	var re *RedirectError
	if errors.As(err, &re) {
		return BadResponse, re.Error()
	}
	proxied := p == PhaseProxy || findOp(err, "proxyconnect") != nil
	code, detail := classify(err, p, proxied)
	if proxied {
		detail = "forward proxy: " + detail
	}
	return code, detail
}

func classify(err error, p Phase, proxied bool) (Code, string) {
	if proxied {
		if op := findOp(err, "dial"); op != nil {
			return ProxyUnreachable, opDetail(op)
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return ProxyUnreachable, dnsErr.Error()
		}
	}
	if code, detail, ok := classifyTLS(err); ok {
		return code, detail
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return DNSNXDomain, dnsErr.Error()
		case dnsErr.IsTimeout:
			return DNSTimeout, dnsErr.Error()
		}
		return DNSFailure, dnsErr.Error()
	}
	if c, d, ok := classifyHTTP2(err); ok {
		return c, d
	}
	// A failed dial never got past connecting, whatever phase the caller
	// had reached in its trace.
	if findOp(err, "dial") != nil {
		p = PhaseConnect
	}
	if isTimeout(err) {
		code := timeoutIn(p)
		return code, timeoutWhat[code] + ": " + errDetail(err)
	}
	if errors.Is(err, context.Canceled) {
		return Timeout, "canceled before an answer arrived"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch {
		case slices.Contains(refusedErrnos, errno):
			return TCPRefused, errDetail(err)
		case slices.Contains(unreachableErrnos, errno):
			return TCPUnreachable, errDetail(err)
		case slices.Contains(resetErrnos, errno):
			if p == PhaseTLS {
				return TLSReset, errDetail(err) + " after ClientHello"
			}
			return TCPReset, errDetail(err)
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && p == PhaseHTTP {
		return BadResponse, "truncated body: connection closed before the announced length"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if p == PhaseTLS {
			return TLSReset, "connection closed (EOF) after ClientHello"
		}
		return TCPReset, "connection closed (EOF) before the answer was complete"
	}
	return fallback(p), errDetail(err)
}

// classifyTLS handles the errors crypto/tls, crypto/x509 and net/http type
// for a handshake that went wrong.
func classifyTLS(err error) (Code, string, bool) {
	if errors.Is(err, http.ErrSchemeMismatch) {
		return TLSPlaintext, "plain HTTP answer on a TLS port", true
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		if string(rh.RecordHeader[:]) == "HTTP/" {
			return TLSPlaintext, "plain HTTP answer on a TLS port", true
		}
		return TLSPlaintext, fmt.Sprintf("non-TLS bytes %q on a TLS port", rh.RecordHeader[:]), true
	}
	subject, issuer := PresentedCert(err)
	presented := ""
	if issuer != "" {
		presented = fmt.Sprintf(" (presented certificate %q issued by %q)", subject, issuer)
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return TLSUnknownAuthority, "certificate signed by an unknown authority" + presented, true
	}
	var sr x509.SystemRootsError
	if errors.As(err, &sr) {
		return TLSUnknownAuthority, sr.Error(), true
	}
	var he x509.HostnameError
	if errors.As(err, &he) {
		return TLSHostnameMismatch, he.Error() + presented, true
	}
	var ci x509.CertificateInvalidError
	if errors.As(err, &ci) {
		if ci.Reason == x509.Expired {
			return TLSExpired, ci.Error(), true
		}
		return TLSFailure, ci.Error() + presented, true
	}
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		return TLSFailure, errDetail(err) + presented, true
	}
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return TLSFailure, "TLS alert: " + ae.Error(), true
	}
	// A TLS alert from the peer arrives as an *net.OpError with Op
	// "remote error" around an unexported alert type.
	if op := findOp(err, "remote error"); op != nil {
		return TLSFailure, "the server sent TLS alert: " + op.Err.Error(), true
	}
	return "", "", false
}

// classifyHTTP2 handles x/net/http2's error types. net/http's bundled
// HTTP/2 stream errors convert to http2.StreamError through their As
// method; its GOAWAY errors do not, so callers should install x/net's
// transport (http2.ConfigureTransports) to have GOAWAY named.
func classifyHTTP2(err error) (Code, string, bool) {
	var se http2.StreamError
	if errors.As(err, &se) {
		return ServerError, fmt.Sprintf("HTTP/2 stream %d reset: %v", se.StreamID, se.Code), true
	}
	var ga http2.GoAwayError
	if errors.As(err, &ga) {
		d := fmt.Sprintf("HTTP/2 GOAWAY: %v", ga.ErrCode)
		if ga.DebugData != "" {
			d += fmt.Sprintf(" %q", ga.DebugData)
		}
		return ServerError, d, true
	}
	var ce http2.ConnectionError
	if errors.As(err, &ce) {
		return BadResponse, "HTTP/2 protocol error: " + http2.ErrCode(ce).String(), true
	}
	return "", "", false
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var timeoutWhat = map[Code]string{
	DNSTimeout: "the resolver did not answer",
	TCPTimeout: "no answer to the connection attempt",
	TLSTimeout: "the TLS handshake did not complete",
	Timeout:    "no answer in time",
}

func timeoutIn(p Phase) Code {
	switch p {
	case PhaseDNS:
		return DNSTimeout
	case PhaseConnect:
		return TCPTimeout
	case PhaseTLS:
		return TLSTimeout
	}
	return Timeout
}

func fallback(p Phase) Code {
	switch p {
	case PhaseDNS:
		return DNSFailure
	case PhaseConnect:
		return TCPUnreachable
	case PhaseProxy:
		return ProxyUnreachable
	case PhaseTLS:
		return TLSFailure
	}
	return BadResponse
}

// findOp returns the outermost *net.OpError in err's chain whose Op is op.
// net/http nests them (proxyconnect around dial), which errors.As alone
// cannot see past.
func findOp(err error, op string) *net.OpError {
	for range 32 { // error chains are short; bound the walk anyway
		var oe *net.OpError
		if !errors.As(err, &oe) {
			return nil
		}
		if oe.Op == op {
			return oe
		}
		err = oe.Err
	}
	return nil
}

// errDetail is the innermost useful text: the *url.Error's method and URL
// are already in the report, so drop them.
func errDetail(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return opDetail(oe)
	}
	return err.Error()
}

func opDetail(oe *net.OpError) string {
	inner := oe.Err
	var se *os.SyscallError
	if errors.As(inner, &se) {
		inner = se.Err
	}
	var b strings.Builder
	b.WriteString(oe.Op)
	if oe.Addr != nil {
		b.WriteString(" " + oe.Addr.String())
	}
	b.WriteString(": " + inner.Error())
	return b.String()
}

// PresentedCert returns the subject and issuer of the leaf certificate the
// server presented when err comes from verifying it, else "", "".
func PresentedCert(err error) (subject, issuer string) {
	var leaf *x509.Certificate
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0:
		leaf = cve.UnverifiedCertificates[0]
	case errors.As(err, &ua) && ua.Cert != nil:
		leaf = ua.Cert
	case errors.As(err, &he) && he.Certificate != nil:
		leaf = he.Certificate
	case errors.As(err, &ci) && ci.Cert != nil:
		leaf = ci.Cert
	default:
		return "", ""
	}
	return leaf.Subject.String(), leaf.Issuer.String()
}
