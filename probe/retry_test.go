package probe

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
)

func newClient(t *testing.T, o Options) *Client {
	t.Helper()
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 2 * time.Second
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

// TestRetryPolicy holds the client to contract §3: 5xx and 429 are
// retried (honouring Retry-After), 4xx are not, and nothing waits past the
// run's deadline.
func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name        string
		statuses    []int // answers in order; the last repeats
		retryAfter  string
		retries     int
		deadline    time.Duration
		wantCause   cause.Code
		wantHits    int32
		maxDuration time.Duration
	}{
		{name: "503 then ok", statuses: []int{503, 200}, retries: 2, wantCause: cause.OK, wantHits: 2},
		{name: "500 exhausts retries", statuses: []int{500}, retries: 2, wantCause: cause.ServerError, wantHits: 3},
		{name: "404 is final", statuses: []int{404}, retries: 2, wantCause: cause.NotFound, wantHits: 1},
		{name: "401 is final", statuses: []int{401}, retries: 2, wantCause: cause.HTTPUnauthorized, wantHits: 1},
		{name: "429 honours Retry-After", statuses: []int{429, 200}, retryAfter: "1", retries: 1, wantCause: cause.OK, wantHits: 2},
		{name: "Retry-After beyond the deadline is not awaited", statuses: []int{429}, retryAfter: "30", retries: 3, deadline: 2 * time.Second, wantCause: cause.RateLimited, wantHits: 1, maxDuration: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1)) - 1
				if n >= len(tt.statuses) {
					n = len(tt.statuses) - 1
				}
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(tt.statuses[n])
				if tt.statuses[n] == 200 {
					w.Write([]byte("module example.test/a\n"))
				} else {
					w.Write([]byte("not today\n"))
				}
			}))
			defer srv.Close()
			c := newClient(t, Options{Retries: tt.retries})
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			start := time.Now()
			res := c.Do(ctx, Request{Method: http.MethodGet, URL: srv.URL + "/example.test/a/@v/v1.0.0.mod", Want: cause.WantMod, Role: "proxy"})
			if res.Cause != tt.wantCause || hits.Load() != tt.wantHits {
				t.Errorf("cause %s after %d requests (%s), want %s after %d", res.Cause, hits.Load(), res.Detail, tt.wantCause, tt.wantHits)
			}
			if int32(res.Retries) != tt.wantHits-1 {
				t.Errorf("Retries = %d, want %d", res.Retries, tt.wantHits-1)
			}
			if tt.retryAfter == "1" && time.Since(start) < 900*time.Millisecond {
				t.Errorf("Retry-After: 1 not honoured: retried after %v", time.Since(start))
			}
			if tt.maxDuration > 0 && time.Since(start) > tt.maxDuration {
				t.Errorf("took %v, want under %v", time.Since(start), tt.maxDuration)
			}
		})
	}
}

// TestNoRetryForPermanentNetworkFailures: NXDOMAIN and certificate errors
// are answers, not glitches; retrying them only delays the report.
func TestNoRetryForPermanentNetworkFailures(t *testing.T) {
	dns := faultserver.DNS(t, map[string]faultserver.Answer{})
	c := newClient(t, Options{Retries: 3, Resolver: faultserver.Resolver(dns)})
	res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: "http://nowhere.test/x", Want: cause.WantMod})
	if res.Cause != cause.DNSNXDomain || res.Retries != 0 {
		t.Errorf("NXDOMAIN: cause %s after %d retries (%s)", res.Cause, res.Retries, res.Detail)
	}

	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res = c.Do(context.Background(), Request{Method: http.MethodGet, URL: srv.URL + "/x", Want: cause.WantMod})
	if res.Cause != cause.TLSUnknownAuthority || res.Retries != 0 {
		t.Errorf("untrusted certificate: cause %s after %d retries", res.Cause, res.Retries)
	}
}

// TestRedirectHostsAreEndpoints: a redirect to another host is followed;
// both hosts become endpoints, the target with role redirect.
func TestRedirectHostsAreEndpoints(t *testing.T) {
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Write([]byte("PK\x03\x04"))
	}))
	defer storage.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, storage.URL+"/blob/123?sig=secret-signature", http.StatusFound)
	}))
	defer proxy.Close()
	c := newClient(t, Options{})
	res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: proxy.URL + "/m/@v/v1.0.0.zip", Want: cause.WantZip, Role: "proxy"})
	if res.Cause != cause.OK || len(res.Hosts) != 2 {
		t.Fatalf("cause %s hosts %v (%s)", res.Cause, res.Hosts, res.Detail)
	}
	eps := c.Endpoints.List()
	if len(eps) != 2 || eps[0].Role != "proxy" || eps[1].Role != RoleRedirect {
		t.Errorf("endpoints = %+v", eps)
	}
	if res.Final == "" || strings.Contains(res.Final, "secret") {
		t.Errorf("final URL %q is missing or carries the signature", res.Final)
	}
}

// TestCredentialsOnlyOverHTTPS: .netrc credentials are sent to an https
// host and never in cleartext, as cmd/go's GOAUTH does.
func TestCredentialsOnlyOverHTTPS(t *testing.T) {
	seen := make(chan string, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Authorization")
		w.Write([]byte("module example.test/a\n"))
	})
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()
	pool := x509.NewCertPool()
	pool.AddCert(secure.Certificate())
	c := newClient(t, Options{RootCAs: pool, Credentials: func(string) (string, string, bool) { return "ci", "s3cret", true }})
	for _, tc := range []struct {
		url      string
		wantAuth bool
	}{{plain.URL, false}, {secure.URL, true}} {
		res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: tc.url + "/example.test/a/@v/v1.0.0.mod", Want: cause.WantMod})
		if !res.OK() {
			t.Fatalf("%s: %s %s", tc.url, res.Cause, res.Detail)
		}
		if got := <-seen; (got != "") != tc.wantAuth {
			t.Errorf("%s: Authorization %q, want sent=%v", tc.url, got, tc.wantAuth)
		}
	}
}
