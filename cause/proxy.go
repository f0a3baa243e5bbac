package cause

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// ProxyConnectError is a forward proxy's refusal of a CONNECT request.
type ProxyConnectError struct {
	StatusCode int
	Status     string // the status line's text, e.g. "407 Proxy Authentication Required"
	// Challenge is the Proxy-Authenticate header, if any.
	Challenge string
}

func (e *ProxyConnectError) Error() string {
	s := "forward proxy answered CONNECT with " + e.Status
	if e.Challenge != "" {
		s += fmt.Sprintf(" (Proxy-Authenticate: %s)", e.Challenge)
	}
	return s
}

// OnProxyConnectResponse has the signature of http.Transport's hook of the
// same name. Installed there, it turns a non-2xx answer to CONNECT into a
// *ProxyConnectError, which Classify reads; net/http would otherwise
// return an untyped error holding only the reason phrase.
func OnProxyConnectResponse(ctx context.Context, proxyURL *url.URL, connectReq *http.Request, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &ProxyConnectError{
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Challenge:  resp.Header.Get("Proxy-Authenticate"),
	}
}

// FromProxyConnect names the cause of a forward proxy's answer to CONNECT:
// 2xx is ok, 407 proxy_auth_required. The proxy was reached, so other
// answers say why it would not open the tunnel: 403 and 451 are the
// proxy's policy denying the host (http_forbidden), 429 rate_limited, 5xx
// (502, 503, 504: the proxy could not reach the server) server_error; any
// other status is proxy_unreachable, as no route through the proxy exists.
func FromProxyConnect(status int) Code {
	switch {
	case status >= 200 && status < 300:
		return OK
	case status == http.StatusProxyAuthRequired:
		return ProxyAuthRequired
	case status == http.StatusForbidden || status == http.StatusUnavailableForLegalReasons:
		return HTTPForbidden
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status >= 500 && status < 600:
		return ServerError
	}
	return ProxyUnreachable
}
