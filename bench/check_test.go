package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/preflight"
	"github.com/gopreflight/gopreflight/report"
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
			vars := map[string]string{
				"GOPROXY": p.url, "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
				"GOENV": "off", "HOME": dir,
			}
			getenv := func(k string) string { return vars[k] }
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.reset()
				rep := checkOnce(b, dir, getenv, p.caFile)
				if rep.Summary.OK != n {
					b.Fatalf("%d of %d modules ok", rep.Summary.OK, n)
				}
				st := p.reset()
				b.ReportMetric(float64(st.total)/float64(n), "requests/version")
			}
		})
	}
}

// checkOnce runs the check as the command does.
func checkOnce(b *testing.B, dir string, getenv func(string) string, caFile string) *report.Report {
	o := preflight.DefaultOptions()
	o.Paths, o.Getenv, o.CAFile, o.ToolVersion = []string{dir}, getenv, caFile, "bench"
	o.Timeout = 10 * time.Minute
	rep, err := preflight.Check(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	return rep
}
