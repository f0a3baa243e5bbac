package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
)

// TestCandidatesEndToEnd: a slow primary, a fast complete candidate and a
// faster one missing the newest versions. The tool recommends the fast
// complete route with '|' failover, keeps direct, flags the lag as a
// notice (the gate passes), and renders the ranking as text and metrics.
func TestCandidatesEndToEnd(t *testing.T) {
	mods := []goproxytest.Module{
		{Path: "example.test/lib", Version: "v1.0.0", Files: map[string]string{"l.go": "package lib\n"}},
		{Path: "example.test/lib", Version: "v1.1.0", Files: map[string]string{"l.go": "package lib\n"}},
		{Path: "example.test/dep", Version: "v0.3.0", Files: map[string]string{"d.go": "package dep\n"}},
	}
	slow := goproxytest.New(t, mods...)
	slow.SetLatency(120 * time.Millisecond)
	good := goproxytest.New(t, mods...)
	good.SetLatency(30 * time.Millisecond)
	stale := goproxytest.New(t, mods...)
	stale.Remove("example.test/lib", "v1.1.0")

	var sum strings.Builder
	for _, m := range []string{"example.test/lib@v1.1.0", "example.test/dep@v0.3.0"} {
		p, v, _ := strings.Cut(m, "@")
		zl, ml := slow.GoSum(p, v)
		sum.WriteString(zl + "\n" + ml + "\n")
	}
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/lib v1.1.0\n\texample.test/dep v0.3.0\n)\n",
		"go.sum": sum.String(),
	})
	env := map[string]string{"GOPROXY": slow.URL() + ",direct", "GOMODCACHE": t.TempDir()}
	candidates := good.URL() + "," + stale.URL()

	tr := runTool(t, env, "--retries", "0", "--candidates", candidates, dir)
	if tr.code != 0 {
		t.Fatalf("exit %d, want 0 (a lagging candidate never fails the gate)\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	var order []string
	for _, k := range tr.rep.Ranking {
		order = append(order, k.URL+" "+string(k.Role))
	}
	wantOrder := []string{good.URL() + " candidate", slow.URL() + " proxy", stale.URL() + " candidate"}
	if strings.Join(order, "\n") != strings.Join(wantOrder, "\n") {
		t.Errorf("ranking\n%s\nwant\n%s", strings.Join(order, "\n"), strings.Join(wantOrder, "\n"))
	}
	if want := good.URL() + "|" + slow.URL() + ",direct"; tr.rep.Recommendation.GOPROXY != want {
		t.Errorf("recommendation %q, want %q (%s)", tr.rep.Recommendation.GOPROXY, want, tr.rep.Recommendation.Reason)
	}
	lagged := false
	for _, f := range tr.rep.Findings {
		if f.Cause == cause.MirrorLag {
			lagged = true
			if f.Severity != "notice" || len(f.Endpoints) != 1 || f.Endpoints[0] != stale.URL() || strings.Join(f.Modules, " ") != "example.test/lib@v1.1.0" {
				t.Errorf("lag finding %+v", f)
			}
		}
	}
	if !lagged {
		t.Errorf("no mirror_lag finding for %s: %+v", stale.URL(), tr.rep.Findings)
	}
	for _, m := range tr.rep.Modules {
		if m.Via != slow.URL() {
			t.Errorf("%s via %s: candidates must not change verdicts", m.ID(), m.Via)
		}
	}
	for _, s := range []string{"RANK", "Fastest complete proxy: " + good.URL(), "Recommended: GOPROXY=" + good.URL() + "|"} {
		if !strings.Contains(tr.stdout, s) {
			t.Errorf("text report lacks %q:\n%s", s, tr.stdout)
		}
	}

	pr := runTool(t, env, "--retries", "0", "--candidates", candidates, "--format", "prometheus", dir)
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(pr.stdout))
	if err != nil {
		t.Fatalf("prometheus output does not parse: %v\n%s", err, pr.stdout)
	}
	complete := map[string]float64{}
	for _, m := range fams["gopreflight_proxy_complete"].GetMetric() {
		complete[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	if complete[good.URL()] != 1 || complete[slow.URL()] != 1 || complete[stale.URL()] != 0 || len(complete) != 3 {
		t.Errorf("gopreflight_proxy_complete = %v", complete)
	}
	roles := map[string]string{}
	for _, m := range fams["gopreflight_endpoint_up"].GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		roles[l["url"]] = l["role"]
	}
	if roles[good.URL()] != "candidate" || roles[slow.URL()] != "proxy" {
		t.Errorf("endpoint roles %v", roles)
	}

	bad := runTool(t, env, "--candidates", "ftp://mirror.example", dir)
	if bad.code != 2 || !strings.Contains(bad.stderr, "--candidates") {
		t.Errorf("bad candidate: exit %d, stderr %q; want 2 naming --candidates", bad.code, bad.stderr)
	}
}

// TestStalledCandidate: a candidate that never answers costs the run no
// more than --timeout, does not change the gate, and is ranked last as
// unreachable while the proxies that answered are still recommended.
func TestStalledCandidate(t *testing.T) {
	primary := goproxytest.New(t, goproxytest.Module{Path: "example.test/lib", Version: "v1.0.0", Files: map[string]string{"l.go": "package lib\n"}})
	stalled := goproxytest.New(t)
	stalled.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stalled.Done():
		}
	}))
	zl, ml := primary.GoSum("example.test/lib", "v1.0.0")
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/lib v1.0.0\n",
		"go.sum": zl + "\n" + ml + "\n",
	})
	start := time.Now()
	tr := runTool(t, map[string]string{"GOPROXY": primary.URL()}, "--timeout", "2s", "--request-timeout", "10s", "--candidates", stalled.URL(), dir)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("run took %v with --timeout 2s", el)
	}
	if tr.code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	rk := tr.rep.Ranking
	if len(rk) != 2 || rk[0].URL != primary.URL() || !rk[0].Complete || rk[1].URL != stalled.URL() || rk[1].Complete || rk[1].SuccessRatio != 0 {
		t.Errorf("ranking %+v", rk)
	}
	if tr.rep.Recommendation.GOPROXY != primary.URL() || !strings.Contains(tr.rep.Recommendation.Reason, "deadline") {
		t.Errorf("recommendation %+v", tr.rep.Recommendation)
	}
}
