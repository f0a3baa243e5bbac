package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/workspace"
)

// BenchmarkCheck runs gopreflight's engine in-process (load, plan, probe,
// report) on synthetic graphs against the synthesising proxy at 50 ms, so
// that -cpuprofile and -memprofile show the hot path. The proxy runs in
// the same process: read profiles with -focus on gopreflight's packages.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("versions=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			p, err := startProxy(dir, 50*time.Millisecond)
			if err != nil {
				b.Fatal(err)
			}
			defer p.close()
			g := syntheticGraph(n)
			sum, err := g.gosum(p)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), g.gomod, 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
				b.Fatal(err)
			}
			pem, err := os.ReadFile(p.caFile)
			if err != nil {
				b.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			vars := map[string]string{
				"GOPROXY": p.url, "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
				"GOENV": "off", "HOME": dir,
			}
			getenv := func(k string) string { return vars[k] }
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.reset()
				rep := checkOnce(b, dir, getenv, pool)
				if rep.Summary.OK != n {
					b.Fatalf("%d of %d modules ok", rep.Summary.OK, n)
				}
				st := p.reset()
				b.ReportMetric(float64(st.total)/float64(n), "requests/version")
			}
		})
	}
}

// checkOnce is what main.run does between flag parsing and rendering.
func checkOnce(b *testing.B, dir string, getenv func(string) string, pool *x509.CertPool) *report.Report {
	started := time.Now()
	env, err := goenv.Load(getenv, "")
	if err != nil {
		b.Fatal(err)
	}
	proxies, err := goenv.ParseProxyList(env.GOPROXY)
	if err != nil {
		b.Fatal(err)
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	wss := []*workspace.Workspace{ws}
	pl := plan.Build(wss, plan.Options{Env: env})
	client, err := probe.New(probe.Options{RequestTimeout: 10 * time.Second, Retries: 2, Concurrency: 32, RootCAs: pool, Getenv: getenv})
	if err != nil {
		b.Fatal(err)
	}
	defer client.CloseIdle()
	res := checks.Run(context.Background(), checks.Config{
		Env: env, Proxies: proxies, Depth: checks.DepthZip, Timeout: 10 * time.Minute, Client: client,
	}, pl)
	return res.Report("bench", started, wss)
}
