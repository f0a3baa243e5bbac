package probe

import (
	"bufio"
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/heapwatch"
)

// TestRefusedRedirects: a redirect from https to plain http is refused
// before anything is sent (cmd/go: "redirected from secure URL … to
// insecure URL"), and so is one to a scheme HTTP cannot fetch; both are
// bad_response naming what was refused, never ok and never a DNS cause.
func TestRefusedRedirects(t *testing.T) {
	var plainHits atomic.Int32
	var plainAuth atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		plainAuth.Store(r.Header.Get("Authorization"))
		w.Write([]byte("module example.test/a\n"))
	}))
	defer plain.Close()
	target := map[string]string{
		"downgrade": plain.URL + "/example.test/a/@v/v1.0.0.mod",
		"file":      "file:///etc/passwd",
		"gopher":    "gopher://127.0.0.1:70/1",
		"ftp":       "ftp://127.0.0.1/a.mod",
		"data":      "data:text/plain,module%20example.test/a",
	}
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target[strings.TrimPrefix(r.URL.Path, "/")], http.StatusFound)
	}))
	defer secure.Close()
	pool := x509.NewCertPool()
	pool.AddCert(secure.Certificate())
	c := newClient(t, Options{RootCAs: pool, Credentials: func(string) (string, string, bool) { return "ci", "s3cret", true }})
	tests := []struct{ name, want string }{
		{"downgrade", "redirected from secure URL"},
		{"file", "file: scheme"},
		{"gopher", "gopher: scheme"},
		{"ftp", "ftp: scheme"},
		{"data", "data: scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: secure.URL + "/" + tt.name, Want: cause.WantMod})
			if res.Cause != cause.BadResponse || !strings.Contains(res.Detail, tt.want) {
				t.Errorf("cause %s (%s), want %s naming %q", res.Cause, res.Detail, cause.BadResponse, tt.want)
			}
			for _, h := range res.Hosts {
				if !strings.HasPrefix(h, "https://") {
					t.Errorf("refused target recorded as a host reached: %v", res.Hosts)
				}
			}
		})
	}
	if n := plainHits.Load(); n != 0 {
		t.Errorf("the plain-http target got %d requests (Authorization %q), want none", n, plainAuth.Load())
	}
}

// TestNetrcMatchesHostAndPort: credentials go to the URL whose host and
// port the .netrc machine names, as cmd/go's credential cache matches
// them; another port of the same host gets none.
func TestNetrcMatchesHostAndPort(t *testing.T) {
	seen := make(chan string, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Authorization")
		w.Write([]byte("module example.test/a\n"))
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	hostPort := strings.TrimPrefix(srv.URL, "https://")
	for _, tc := range []struct {
		machine  string
		wantAuth bool
	}{{"127.0.0.1", false}, {hostPort, true}, {"127.0.0.1:1", false}} {
		c := newClient(t, Options{RootCAs: pool, Credentials: func(h string) (string, string, bool) { return "ci", "s3cret", h == tc.machine }})
		res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: srv.URL + "/example.test/a/@v/v1.0.0.mod", Want: cause.WantMod})
		if !res.OK() {
			t.Fatalf("%s: %s", res.Cause, res.Detail)
		}
		if got := <-seen; (got != "") != tc.wantAuth {
			t.Errorf("machine %s: Authorization %q, want sent=%v", tc.machine, got, tc.wantAuth)
		}
	}
}

// streamHeaders serves an endless response head, one header line after
// another, until the client goes away or the test ends.
func streamHeaders(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				bufio.NewReader(conn).ReadString('\n') // the request line
				conn.Write([]byte("HTTP/1.1 200 OK\r\n"))
				line := []byte("X-Filler-" + strings.Repeat("a", 100) + ": " + strings.Repeat("b", 900) + "\r\n")
				deadline := time.Now().Add(20 * time.Second)
				for time.Now().Before(deadline) {
					select {
					case <-done:
						return
					default:
					}
					if _, err := conn.Write(line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestHeaderFloodBounded: a server streaming header lines costs the run
// a bounded amount of memory and time, in the run's requests and in the
// endpoint diagnosis's own request alike.
func TestHeaderFloodBounded(t *testing.T) {
	origin := streamHeaders(t)
	c := newClient(t, Options{RequestTimeout: 5 * time.Second})
	peak := heapwatch.Start(5 * time.Millisecond)
	start := time.Now()
	res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: origin + "/example.test/a/@v/list", Want: cause.WantList})
	if res.OK() {
		t.Errorf("an endless head was accepted")
	}
	c.Endpoints.mu.Lock()
	c.Endpoints.m[origin].Answered = false // as when every request failed
	c.Endpoints.mu.Unlock()
	c.diagMu.Lock()
	c.requestsDone = make(chan struct{})
	close(c.requestsDone)
	c.diagMu.Unlock()
	d := c.diagnose(context.Background(), origin)
	if d.Cause == cause.OK {
		t.Errorf("diagnosis accepted an endless head")
	}
	if el := time.Since(start); el > 8*time.Second {
		t.Errorf("took %v, want the heads cut at the size bound", el)
	}
	if p := peak(); p > 48<<20 {
		t.Errorf("heap grew by %d MiB, want a few ", p>>20)
	}
	t.Logf("request: %s %s; diagnosis: %s %s", res.Cause, res.Detail, d.Cause, d.Detail)
}

// TestBodyFloodBounded: an endless body costs at most the request's
// MaxBody in memory and ends within the request timeout (the drain past
// MaxBody is bounded too).
func TestBodyFloodBounded(t *testing.T) {
	chunk := []byte(strings.Repeat("v1.0.0\n", 1<<12))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := newClient(t, Options{RequestTimeout: 3 * time.Second})
	peak := heapwatch.Start(5 * time.Millisecond)
	start := time.Now()
	res := c.Do(context.Background(), Request{Method: http.MethodGet, URL: srv.URL + "/example.test/a/@v/list", Want: cause.WantList, MaxBody: 1 << 20})
	if el := time.Since(start); el > 6*time.Second {
		t.Errorf("took %v with a 3s request timeout", el)
	}
	if len(res.Body) > 1<<20 {
		t.Errorf("kept %d bytes of body, want at most MaxBody", len(res.Body))
	}
	if p := peak(); p > 48<<20 {
		t.Errorf("heap grew by %d MiB", p>>20)
	}
}
