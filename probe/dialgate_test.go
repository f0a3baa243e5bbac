package probe

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/testca"
)

// doAll sends n identical requests at once and returns the results.
func doAll(c *Client, n int, r Request) []Result {
	out := make([]Result, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.Do(context.Background(), r)
		}()
	}
	wg.Wait()
	return out
}

// Requests sent together to a new HTTPS origin share one connection: one
// DNS lookup, one TCP dial, one TLS handshake, then HTTP/2 streams.
func TestOneConnectionPerOrigin(t *testing.T) {
	ca := testca.New(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/zip")
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Leaf("127.0.0.1")}, NextProtos: []string{"h2", "http/1.1"}}
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()

	c, err := New(Options{Concurrency: 32, RootCAs: ca.Pool(), RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	for _, res := range doAll(c, 64, Request{Method: http.MethodHead, URL: srv.URL + "/example.test/a/@v/v1.0.0.zip", Want: cause.WantZip, Role: "proxy"}) {
		if !res.OK() {
			t.Fatalf("request failed: %s %s", res.Cause, res.Detail)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("64 concurrent requests opened %d connections, want 1", n)
	}
}

// Requests waiting for an origin whose first handshake hangs go on their
// own once that attempt ends, and are classified exactly as before.
func TestStalledOriginKeepsCauses(t *testing.T) {
	addr := faultserver.StallHandshake(t)
	const timeout = 300 * time.Millisecond
	c, err := New(Options{Concurrency: 8, RequestTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdle()
	start := time.Now()
	for _, res := range doAll(c, 8, Request{Method: http.MethodGet, URL: "https://" + addr + "/x/@v/v1.0.0.mod", Want: cause.WantMod, Role: "proxy"}) {
		if res.Cause != cause.TLSTimeout {
			t.Errorf("cause %s (%s), want %s", res.Cause, res.Detail, cause.TLSTimeout)
		}
	}
	// At most one attempt of waiting (bounded by dialWait) plus their own.
	if el := time.Since(start); el > 2*timeout+dialWait {
		t.Errorf("took %s, want under %s", el, 2*timeout+dialWait)
	}
}
