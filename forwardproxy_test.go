package main

import (
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/testca"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

// TestForwardProxyEndpoint: with HTTPS_PROXY set, the forward proxy is the
// runner's real egress, so it is an endpoint (role forward_proxy) and in
// the allow-list; a proxy that accepts connections but never answers
// CONNECT is blamed on the proxy, not only on the origin behind it.
func TestForwardProxyEndpoint(t *testing.T) {
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
	tests := []struct {
		name   string
		proxy  func(t *testing.T) (url, hostPort string)
		status report.Status
		cause  cause.Code // the forward_proxy endpoint's
	}{
		{
			name: "tunnelling proxy",
			proxy: func(t *testing.T) (string, string) {
				return "", "" // set below: needs the origin's address
			},
			status: report.StatusOK, cause: cause.OK,
		},
		{
			name: "proxy never answers CONNECT",
			proxy: func(t *testing.T) (string, string) {
				addr := silentListener(t)
				return "http://" + addr, addr
			},
			status: report.StatusTimeout, cause: cause.Timeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := testca.New(t)
			origin := goproxytest.NewTLS(t, ca.Leaf("proxy.example"), served...)
			fwdURL, fwdHP := tt.proxy(t)
			if fwdURL == "" {
				fwd := proxyDialing(t, faultserver.ProxyOptions{}, map[string]string{"proxy.example:443": strings.TrimPrefix(origin.URL(), "https://")})
				fwdURL, fwdHP = fwd.URL(), fwd.Addr()
			}
			env := map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": fwdURL}
			args := append(withCA(t, ca), "--retries", "0", "--request-timeout", "1s", "--timeout", "20s", dir)
			tr := runTool(t, env, args...)
			if m := tr.module(t, "example.test/good", "v1.0.0"); m.Status != tt.status {
				t.Errorf("module: %s/%s (%s), want %s", m.Status, m.Cause, m.Detail, tt.status)
			}
			var fwd *report.Endpoint
			for i, e := range tr.rep.Endpoints {
				if e.Role == probe.RoleForwardProxy {
					fwd = &tr.rep.Endpoints[i]
				}
			}
			if fwd == nil {
				t.Fatalf("no forward_proxy endpoint among %+v", tr.rep.Endpoints)
			}
			if fwd.URL != fwdURL || fwd.Cause != tt.cause || fwd.Requests == 0 {
				t.Errorf("forward_proxy endpoint %s: cause %s, %d requests; want %s, cause %s", fwd.URL, fwd.Cause, fwd.Requests, fwdURL, tt.cause)
			}
			if allow := report.AllowList(tr.rep); !slices.Contains(allow, fwdHP) {
				t.Errorf("allow-list %q lacks the forward proxy %s", allow, fwdHP)
			}
			if tt.cause == cause.OK {
				return
			}
			named := false
			for _, f := range tr.rep.Findings {
				named = named || (slices.Contains(f.Endpoints, fwdURL) && strings.Contains(f.Title, fwdHP))
			}
			if !named {
				t.Errorf("no finding names the forward proxy %s: %+v", fwdHP, tr.rep.Findings)
			}
		})
	}
}

// silentListener accepts connections on loopback and reads them without
// ever answering, until the test ends.
func silentListener(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}
