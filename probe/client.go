// Package probe makes the HTTP requests gopreflight needs and records what
// each one showed: timing phases, the hosts reached (redirects included),
// the TLS handshake, and the classified cause of any failure. Probes never
// format output; they return data.
package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/http2"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

// Options configure a Client.
type Options struct {
	RequestTimeout time.Duration // one request, connect to last byte
	Retries        int
	Concurrency    int
	// RootCAs verifies servers; nil means the system roots (which honour
	// SSL_CERT_FILE and SSL_CERT_DIR).
	RootCAs *x509.CertPool
	// Getenv supplies HTTPS_PROXY, HTTP_PROXY, NO_PROXY.
	Getenv func(string) string
	// Credentials returns user and password for a URL's host, with its
	// port when the URL names one ("host" or "host:port", as a .netrc
	// machine must be written to match), or ok=false.
	Credentials func(host string) (user, pass string, ok bool)
	// Resolver, when set, replaces the system resolver (tests).
	Resolver *net.Resolver
	// DNSServer (host:port), when set, receives every DNS query instead of
	// the system resolver's nameservers, as with `dig @server`.
	DNSServer string
	// Log receives one line per request (its answer, cause and time, the
	// retries), already redacted.
	Log func(string)
}

// Client sends traced requests through one shared HTTP/2-capable
// transport with the retry policy of contract §3.
type Client struct {
	opts      Options
	transport *http.Transport
	http      *http.Client
	dialer    *net.Dialer
	// insecure serves Request.Insecure (insecureClient).
	insecureMu sync.Mutex
	insecure   *http.Client
	sem        chan struct{}
	proxyFunc  func(*url.URL) (*url.URL, error)
	gates      dialGates
	Endpoints  *Endpoints
	memoMu     sync.Mutex
	memo       map[string]*memoEntry
	// resolverName describes the resolver in use, for DNS findings.
	resolverName string

	// Endpoint diagnosis (diagnose.go).
	diagMu        sync.Mutex
	diagCtx       context.Context
	requestsDone  chan struct{}
	closeRequests sync.Once
	diagWG        sync.WaitGroup
}

// New builds a Client.
func New(o Options) (*Client, error) {
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	cfg := httpproxy.Config{
		HTTPProxy:  envEither(o.Getenv, "HTTP_PROXY", "http_proxy"),
		HTTPSProxy: envEither(o.Getenv, "HTTPS_PROXY", "https_proxy"),
		NoProxy:    envEither(o.Getenv, "NO_PROXY", "no_proxy"),
	}
	if o.Resolver == nil && o.DNSServer != "" {
		o.Resolver = dnsServerResolver(o.DNSServer)
	}
	c := &Client{opts: o, sem: make(chan struct{}, o.Concurrency), Endpoints: newEndpoints(), memo: map[string]*memoEntry{}}
	c.resolverName = describeResolver(o.DNSServer)
	if o.Resolver != nil && o.DNSServer == "" {
		c.resolverName = "the configured resolver"
	}
	pf := cfg.ProxyFunc()
	c.proxyFunc = func(u *url.URL) (*url.URL, error) { return pf(u) }
	c.dialer = &net.Dialer{Timeout: o.RequestTimeout, KeepAlive: 30 * time.Second, Resolver: o.Resolver}
	var err error
	if c.http, err = c.newHTTPClient(&tls.Config{RootCAs: o.RootCAs}); err != nil {
		return nil, err
	}
	c.transport = c.http.Transport.(*http.Transport)
	return c, nil
}

// newHTTPClient builds an HTTP client on a transport of its own with the
// client's proxy, dialer and timeouts, and the given TLS settings.
func (c *Client) newHTTPClient(tlsConfig *tls.Config) (*http.Client, error) {
	o := c.opts
	tr := &http.Transport{
		Proxy:                 func(r *http.Request) (*url.URL, error) { return c.proxyFunc(r.URL) },
		DialContext:           c.dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   o.RequestTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   o.Concurrency,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: o.RequestTimeout,
		// Also bounds HTTP/2 header lists (http2.ConfigureTransports).
		MaxResponseHeaderBytes: maxHeaderBytes,
		// A typed error for a refused CONNECT (407 and others), which
		// net/http would otherwise reduce to an untyped reason phrase.
		OnProxyConnectResponse: cause.OnProxyConnectResponse,
	}
	// The x/net transport makes HTTP/2 stream resets typed errors
	// (http2.StreamError) that cause.Classify can read.
	if _, err := http2.ConfigureTransports(tr); err != nil {
		return nil, fmt.Errorf("configuring HTTP/2: %w", err)
	}
	return &http.Client{
		Transport: tr,
		Timeout:   o.RequestTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if err := refuseRedirect(req, via, tlsConfig.InsecureSkipVerify); err != nil {
				return err
			}
			if st := stateFrom(req.Context()); st != nil {
				st.redirect(req)
			}
			return nil
		},
	}, nil
}

// refuseRedirect stops the redirects the go command refuses, before
// anything is sent to the target: to a scheme other than http(s), and
// from an https request to plain http (cmd/go's web package: "redirected
// from secure URL … to insecure URL"). Only a GOINSECURE request
// (insecure) may follow a downgrade, as the go command's insecure client
// does, and then without the credentials of the https request.
func refuseRedirect(req *http.Request, via []*http.Request, insecure bool) error {
	refused := func(scheme string) error {
		from, to := goenv.Redact(via[len(via)-1].URL.String()), goenv.Redact(req.URL.String())
		return &cause.RedirectError{From: from, To: to, Scheme: scheme}
	}
	switch req.URL.Scheme {
	case "https":
		return nil
	case "http":
		if via[0].URL.Scheme != "https" {
			return nil
		}
		if !insecure {
			return refused("")
		}
		req.Header.Del("Authorization")
		return nil
	}
	return refused(req.URL.Scheme)
}

// insecureClient is the client for Request.Insecure, built on first use:
// most runs never need it. Like the go command's client for GOINSECURE
// paths, it does not verify certificates (the trace still records whether
// they would verify).
func (c *Client) insecureClient() *http.Client {
	c.insecureMu.Lock()
	defer c.insecureMu.Unlock()
	if c.insecure == nil {
		hc, err := c.newHTTPClient(&tls.Config{RootCAs: c.opts.RootCAs, InsecureSkipVerify: true})
		if err != nil {
			// New configured the same transport without error; should this
			// ever differ, stay verified rather than fail.
			return c.http
		}
		c.insecure = hc
	}
	return c.insecure
}

// Resolver returns the resolver in use.
func (c *Client) resolver() *net.Resolver {
	if c.opts.Resolver != nil {
		return c.opts.Resolver
	}
	return net.DefaultResolver
}

// ResolverName describes the resolver in use: the --resolver server, or
// resolv.conf's nameservers and search domains.
func (c *Client) ResolverName() string { return c.resolverName }

func envEither(getenv func(string) string, a, b string) string {
	if v := getenv(a); v != "" {
		return v
	}
	return getenv(b)
}

// ProxyFor names the forward proxy a request to u goes through, redacted,
// or "".
func (c *Client) ProxyFor(u *url.URL) string {
	p, err := c.proxyFunc(u)
	if err != nil || p == nil {
		return ""
	}
	return goenv.Redact(p.String())
}

// Request describes one probe.
type Request struct {
	Method string // GET or HEAD
	URL    string
	Want   cause.Want
	Role   Role // endpoint role of the URL's host
	// Range asks for the first byte only (a zip probe where HEAD fails).
	Range bool
	// MaxBody caps how much of the body is kept; the rest is drained.
	MaxBody int64
	// SpoolTo, when set, is a directory: the body goes to a new file
	// there (at most MaxBody bytes) instead of memory, and Result.Spool
	// names it. The caller removes the file; on failure Do does.
	SpoolTo string
	// Insecure skips certificate verification, as the go command does
	// for discovery of GOINSECURE paths; the endpoint's TLS info still
	// says whether the certificate verifies.
	Insecure bool
	// Memo sends the request once per run and shares its result: for
	// questions several checks ask, such as <proxy>/sumdb/<name>/supported.
	Memo bool
}

// Result is what one request showed.
type Result struct {
	URL        string // redacted
	Final      string // redacted final URL after redirects
	StatusCode int
	Header     http.Header
	Body       []byte
	Cause      cause.Code
	Detail     string
	Duration   time.Duration
	Retries    int
	// Hosts are the endpoints reached, in order (origin first).
	Hosts []string
	// Spool is the file holding the body of a Request.SpoolTo request
	// that succeeded, or "".
	Spool string
}

// OK reports whether the request succeeded.
func (r Result) OK() bool { return r.Cause == cause.OK }

// Servable asks whether a module zip can be downloaded without
// downloading it: a HEAD, or, from a server that does not allow HEAD, a
// GET of the first byte.
func (c *Client) Servable(ctx context.Context, url string, role Role) Result {
	res := c.Do(ctx, Request{Method: http.MethodHead, URL: url, Want: cause.WantZip, Role: role})
	if res.StatusCode == http.StatusMethodNotAllowed || res.StatusCode == http.StatusNotImplemented {
		res = c.Do(ctx, Request{Method: http.MethodGet, URL: url, Want: cause.WantZip, Role: role, Range: true})
	}
	return res
}

// Do sends one request with retries and classifies the outcome. It never
// returns an error: failures are data.
func (c *Client) Do(ctx context.Context, r Request) Result {
	if r.Memo {
		return c.memoized(ctx, r)
	}
	return c.do(ctx, r)
}

// memoized sends a request once per run: later and concurrent callers get
// the first caller's result.
func (c *Client) memoized(ctx context.Context, r Request) Result {
	key := r.Method + " " + r.URL
	c.memoMu.Lock()
	e, ok := c.memo[key]
	if !ok {
		e = &memoEntry{done: make(chan struct{})}
		c.memo[key] = e
		c.memoMu.Unlock()
		e.res = c.do(ctx, r)
		close(e.done)
		return e.res
	}
	c.memoMu.Unlock()
	select {
	case <-e.done:
		return e.res
	case <-ctx.Done():
		return Result{URL: goenv.Redact(r.URL), Cause: cause.Timeout, Detail: "deadline reached while waiting for the same request"}
	}
}

type memoEntry struct {
	done chan struct{}
	res  Result
}

func (c *Client) do(ctx context.Context, r Request) Result {
	res := Result{URL: goenv.Redact(r.URL)}
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		res.Cause, res.Detail = cause.Timeout, "deadline reached before the request was sent"
		return res
	}
	start := time.Now()
	st := newState(c, r)
	st.opened = c.gates.wait(ctx, st.host)
	defer st.opened()
	ctx = withState(ctx, st)
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, r.URL, nil)
	if err != nil {
		res.Cause, res.Detail = cause.BadResponse, "bad request URL"
		return res
	}
	if r.Range {
		req.Header.Set("Range", "bytes=0-0")
	}
	// As cmd/go: GOAUTH credentials only ever travel over https, and a
	// .netrc machine matches the URL's host and port as written (cmd/go's
	// credential cache is keyed by the URL without "https://"), so
	// another port of the same host gets nothing.
	if req.URL.User == nil && req.URL.Scheme == "https" && c.opts.Credentials != nil {
		if u, p, ok := c.opts.Credentials(req.URL.Host); ok {
			req.SetBasicAuth(u, p)
		}
	}
	max := r.MaxBody
	if max == 0 {
		max = DefaultMaxBody
	}
	req.SetResponseHandler(func(resp *http.Response) error {
		st.setPhase(cause.PhaseHTTP)
		if r.SpoolTo != "" {
			return st.spoolBody(resp.Body, r.SpoolTo, max)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, max))
		if err == nil {
			// Drain (bounded) so the connection is reused and a
			// truncated body still shows as an error.
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxDrain))
		}
		st.body = body
		return err
	})
	hc := c.http
	if r.Insecure {
		hc = c.insecureClient()
	}
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     c.opts.Retries,
		RetryWaitMin: 100 * time.Millisecond,
		RetryWaitMax: 2 * time.Second,
		CheckRetry:   st.checkRetry,
		Backoff:      st.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
			st.beginAttempt(attempt)
		},
	}
	resp, err := rc.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	res.Duration = time.Since(start)
	res.Retries = st.attempt
	res.Hosts = st.hosts
	res.Final = st.redact(st.finalURL, res.URL)
	st.finish(resp, err, &res)
	if st.spool != nil {
		st.spool.Close()
		if res.OK() {
			res.Spool = st.spool.Name()
		} else {
			os.Remove(st.spool.Name())
		}
	}
	c.Endpoints.record(st, res)
	if c.opts.Log != nil {
		c.opts.Log(logLine(r.Method, res))
	}
	return res
}

// logLine is one request of the --verbose log: what was asked of whom,
// the answer and its cause, the time it took; why it failed, and the
// retries. URLs are redacted.
func logLine(method string, res Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> ", method, res.URL)
	if res.StatusCode != 0 {
		fmt.Fprintf(&b, "%d ", res.StatusCode)
	}
	b.WriteString(string(res.Cause))
	if res.Final != "" && res.Final != res.URL {
		fmt.Fprintf(&b, " from %s", res.Final)
	}
	fmt.Fprintf(&b, " in %dms", res.Duration.Milliseconds())
	if !res.OK() && res.Detail != "" {
		fmt.Fprintf(&b, ": %s", res.Detail)
	}
	if res.Retries > 0 {
		fmt.Fprintf(&b, " (%d retries)", res.Retries)
	}
	return b.String()
}

// checkRetry is the retry policy of contract §3: timeouts, resets, 429
// and 5xx are retried; DNS NXDOMAIN, certificate errors and other 4xx
// never; nothing is retried past the deadline.
func (st *state) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st.opened() // the first attempt has ended: let the requests waiting for this origin go
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		code, _ := st.classify(err)
		return cause.Retryable(code), nil
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d, ok := retryAfter(resp); ok {
			if dl, has := ctx.Deadline(); has && time.Until(dl) < d {
				return false, nil // waiting would outlive the run
			}
		}
		return true, nil
	}
	return false, nil
}

// backoff is exponential with full jitter, honouring Retry-After, and
// never sleeping past the run's deadline.
func (st *state) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := min << attempt
	if wait > max || wait <= 0 {
		wait = max
	}
	wait = min + time.Duration(rand.Int63n(int64(wait-min)+1))
	if resp != nil {
		if d, ok := retryAfter(resp); ok {
			wait = d
		}
	}
	if dl, ok := st.ctxDeadline(); ok {
		if left := time.Until(dl); wait > left {
			wait = left
		}
	}
	if wait < 0 {
		wait = 0
	}
	return wait
}

func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t), true
	}
	return 0, false
}

// CloseIdle closes idle connections (end of run).
func (c *Client) CloseIdle() {
	c.transport.CloseIdleConnections()
	c.insecureMu.Lock()
	defer c.insecureMu.Unlock()
	if c.insecure != nil {
		c.insecure.CloseIdleConnections()
	}
}

// Concurrency is the number of requests allowed in flight.
func (c *Client) Concurrency() int { return cap(c.sem) }
