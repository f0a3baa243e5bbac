package preflight

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

func mod(path, version string) goproxytest.Module {
	return goproxytest.Module{Path: path, Version: version, Files: map[string]string{"x.go": "package x\n"}}
}

// every is the full module set a fresh mirror has: a newest a@v1.3.0
// that the build does not need, and the versions it does need.
var every = []goproxytest.Module{
	mod("example.test/a", "v1.1.0"), mod("example.test/a", "v1.2.0"), mod("example.test/a", "v1.3.0"),
	mod("example.test/b", "v1.0.0"),
}

// needs is what the test build requires.
var needs = []string{"example.test/a@v1.2.0", "example.test/b@v1.0.0"}

// rankRun checks a go.mod requiring mods (with a correct go.sum taken from
// sums) through goproxy, ranking candidates too.
func rankRun(t *testing.T, env map[string]string, candidates []string, sums *goproxytest.Server, mods ...string) *report.Report {
	t.Helper()
	dir := t.TempDir()
	var req, sum strings.Builder
	for _, m := range mods {
		p, v, _ := strings.Cut(m, "@")
		req.WriteString("\t" + p + " " + v + "\n")
		if sums != nil && sums.Zip(p, v) != nil {
			zl, ml := sums.GoSum(p, v)
			sum.WriteString(zl + "\n" + ml + "\n")
		}
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.test/app\n\ngo 1.21\n\nrequire (\n"+req.String()+")\n")
	write("go.sum", sum.String())
	vars := map[string]string{"GOENV": "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local", "GOFLAGS": "", "HOME": t.TempDir()}
	for k, v := range env {
		vars[k] = v
	}
	o := DefaultOptions()
	o.Paths = []string{dir}
	o.Getenv = func(k string) string { return vars[k] }
	o.Candidates = candidates
	o.Checksums = false
	o.RequestTimeout, o.Retries, o.Concurrency = 3*time.Second, 0, 16
	o.Timeout = 8 * time.Second
	rep, err := Check(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rep.Gate(report.FailOnError)
	return rep
}

// row is an expected ranking row; lag an expected mirror_lag finding.
type row struct {
	url      string
	role     string
	complete bool
	missing  []string
	sumdb    bool
}

type lag struct {
	endpoint string
	severity report.Severity
	modules  []string
}

// TestRanking measures local proxies with injected latency and missing
// versions and checks the ranking, the lag findings and the recommended
// GOPROXY with its separators.
func TestRanking(t *testing.T) {
	// slow: complete, 120ms. mid: complete, 40ms. fast: 0ms but missing
	// the newest versions, one of which the build needs.
	slow := goproxytest.New(t, every...)
	slow.SetLatency(120 * time.Millisecond)
	mid := goproxytest.New(t, every...)
	mid.SetLatency(40 * time.Millisecond)
	fast := goproxytest.New(t, every...)
	fast.Remove("example.test/a", "v1.3.0")
	fast.Remove("example.test/a", "v1.2.0")
	onlyA := goproxytest.New(t, every[:3]...)
	onlyA.SetLatency(40 * time.Millisecond)
	onlyB := goproxytest.New(t, every[3:]...)
	// staleLatest has every version, but its @latest is an old cache.
	staleLatest := goproxytest.New(t, every...)
	staleLatest.Handle(func(p string) bool { return strings.HasSuffix(p, "/a/@latest") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"Version":"v1.1.0","Time":"2024-01-02T03:04:05Z"}`))
	}))
	closed := "http://" + faultserver.ClosedPort(t)
	defaultDB := sumdbtest.New(t, goenv.DefaultGOSUMDB)
	mid.ProxySumDB(defaultDB)
	testDB := sumdbtest.New(t, "sum.example.test")
	slow.ProxySumDB(testDB)

	tests := []struct {
		name       string
		env        map[string]string
		candidates []string
		mods       []string
		ranking    []row
		goproxy    string
		reason     []string // substrings of recommendation.reason
		lags       []lag
		noneWorks  []string // modules of the "no GOPROXY would work" finding
		status     map[string]report.Status
	}{
		{
			name:       "fastest complete first, '|' failover, direct kept after ','",
			env:        map[string]string{"GOPROXY": slow.URL() + ",direct"},
			candidates: []string{fast.URL(), mid.URL() + "/"},
			mods:       needs,
			ranking: []row{
				{mid.URL(), "candidate", true, nil, true},
				{slow.URL(), "proxy", true, nil, false},
				{fast.URL(), "candidate", false, []string{"example.test/a@v1.2.0"}, false},
			},
			goproxy: mid.URL() + "|" + slow.URL() + ",direct",
			reason:  []string{mid.URL() + " is the fastest", "'|' after it", "direct kept last after ','", fast.URL() + " (missing 1 needed version)"},
			lags:    []lag{{fast.URL(), report.SeverityNotice, []string{"example.test/a@v1.2.0", "example.test/a@v1.3.0"}}},
			status:  map[string]report.Status{"example.test/a@v1.2.0": report.StatusOK},
		},
		{
			name:       "a lagging GOPROXY entry is a warning and names only versions it lacks",
			env:        map[string]string{"GOPROXY": onlyA.URL() + "|" + fast.URL(), "GOSUMDB": testDB.VerifierKey()},
			candidates: []string{slow.URL()},
			mods:       []string{"example.test/a@v1.1.0"},
			ranking: []row{
				{fast.URL(), "proxy", true, nil, false},
				{onlyA.URL(), "proxy", true, nil, false},
				{slow.URL(), "candidate", true, nil, true},
			},
			goproxy: fast.URL() + "|" + onlyA.URL() + "|" + slow.URL(),
			lags:    []lag{{fast.URL(), report.SeverityWarning, []string{"example.test/a@v1.2.0", "example.test/a@v1.3.0"}}},
		},
		{
			name:       "a stale @latest is lag even when the version is there",
			env:        map[string]string{"GOPROXY": staleLatest.URL()},
			candidates: []string{mid.URL()},
			mods:       []string{"example.test/a@v1.2.0"},
			ranking: []row{
				{staleLatest.URL(), "proxy", true, nil, false},
				{mid.URL(), "candidate", true, nil, true},
			},
			goproxy: staleLatest.URL() + "|" + mid.URL(),
			lags:    []lag{{staleLatest.URL(), report.SeverityWarning, []string{"example.test/a@v1.3.0"}}},
		},
		{
			name:       "no single proxy complete: chained fastest first so 404s fall through",
			env:        map[string]string{"GOPROXY": onlyA.URL()},
			candidates: []string{onlyB.URL(), closed},
			mods:       needs,
			ranking: []row{
				{onlyB.URL(), "candidate", false, []string{"example.test/a@v1.2.0"}, false},
				{onlyA.URL(), "proxy", false, []string{"example.test/b@v1.0.0"}, false},
				{closed, "candidate", false, nil, false},
			},
			goproxy: onlyB.URL() + "|" + onlyA.URL(),
			reason:  []string{"no single proxy", "chained with '|'", closed + " (unreachable: tcp_refused)"},
			// The candidate does not change the verdict of GOPROXY as configured.
			status: map[string]report.Status{"example.test/b@v1.0.0": report.StatusNotFound},
		},
		{
			name:       "nothing would work: no recommendation, a finding says so",
			env:        map[string]string{"GOPROXY": onlyA.URL()},
			candidates: []string{fast.URL()},
			mods:       []string{"example.test/a@v1.2.0", "example.test/c@v1.0.0"},
			ranking: []row{
				{onlyA.URL(), "proxy", false, []string{"example.test/c@v1.0.0"}, false},
				{fast.URL(), "candidate", false, []string{"example.test/a@v1.2.0", "example.test/c@v1.0.0"}, false},
			},
			goproxy:   "",
			noneWorks: []string{"example.test/c@v1.0.0"},
			lags:      []lag{{fast.URL(), report.SeverityNotice, []string{"example.test/a@v1.2.0", "example.test/a@v1.3.0"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := rankRun(t, tt.env, tt.candidates, slow, tt.mods...)
			if len(rep.Ranking) != len(tt.ranking) {
				t.Fatalf("ranking has %d rows, want %d: %+v", len(rep.Ranking), len(tt.ranking), rep.Ranking)
			}
			for i, w := range tt.ranking {
				g := rep.Ranking[i]
				if g.URL != w.url || string(g.Role) != w.role || g.Rank != i+1 || g.Complete != w.complete || g.SumDBProxied != w.sumdb {
					t.Errorf("rank %d: got %+v, want %+v", i+1, g, w)
				}
				if !slices.Equal(g.Missing, w.missing) && !(len(g.Missing) == 0 && len(w.missing) == 0) {
					t.Errorf("rank %d %s: missing %v, want %v", i+1, g.URL, g.Missing, w.missing)
				}
				if g.Missing == nil {
					t.Errorf("rank %d: missing is null, want a list", i+1)
				}
				if w.complete && g.SuccessRatio != 1 {
					t.Errorf("rank %d: complete with success ratio %v", i+1, g.SuccessRatio)
				}
			}
			if rep.Recommendation.GOPROXY != tt.goproxy {
				t.Errorf("recommendation %q, want %q (reason: %s)", rep.Recommendation.GOPROXY, tt.goproxy, rep.Recommendation.Reason)
			}
			for _, s := range tt.reason {
				if !strings.Contains(rep.Recommendation.Reason, s) {
					t.Errorf("reason %q does not say %q", rep.Recommendation.Reason, s)
				}
			}
			if want := firstComplete(tt.ranking); rep.FastestProxy() != want {
				t.Errorf("FastestProxy() = %q, want %q", rep.FastestProxy(), want)
			}
			var lags []report.Finding
			var none *report.Finding
			for i, f := range rep.Findings {
				if f.Cause == cause.MirrorLag {
					lags = append(lags, f)
				}
				if strings.HasPrefix(f.Title, "No GOPROXY value") {
					none = &rep.Findings[i]
				}
			}
			if len(lags) != len(tt.lags) {
				t.Fatalf("%d mirror_lag findings, want %d: %+v", len(lags), len(tt.lags), lags)
			}
			for i, w := range tt.lags {
				g := lags[i]
				if !slices.Equal(g.Endpoints, []string{w.endpoint}) || g.Severity != w.severity || !slices.Equal(g.Modules, w.modules) {
					t.Errorf("lag finding: got %s %v %v, want %s %v %v", g.Severity, g.Endpoints, g.Modules, w.severity, w.endpoint, w.modules)
				}
			}
			// mirror_lag is never given to a version its module's via has.
			for _, f := range lags {
				for _, id := range f.Modules {
					for _, m := range rep.Modules {
						if m.ID() == id && m.Status == report.StatusOK && slices.Contains(f.Endpoints, m.Via) {
							t.Errorf("mirror_lag names %s, which %s served", id, m.Via)
						}
					}
				}
			}
			switch {
			case tt.noneWorks == nil && none != nil:
				t.Errorf("unexpected finding %q", none.Title)
			case tt.noneWorks != nil && none == nil:
				t.Errorf("no finding says that nothing would work: %+v", rep.Findings)
			case none != nil && !slices.Equal(none.Modules, tt.noneWorks):
				t.Errorf("nothing-works finding names %v, want %v", none.Modules, tt.noneWorks)
			}
			for id, want := range tt.status {
				for _, m := range rep.Modules {
					if m.ID() == id && m.Status != want {
						t.Errorf("%s: status %s, want %s", id, m.Status, want)
					}
				}
			}
			for _, e := range rep.Endpoints {
				for _, c := range tt.candidates {
					if strings.TrimSuffix(c, "/") == e.URL && e.Role != probe.RoleCandidate {
						t.Errorf("endpoint %s has role %s, want candidate", e.URL, e.Role)
					}
				}
			}
		})
	}
}

func firstComplete(rows []row) string {
	for _, r := range rows {
		if r.complete {
			return r.url
		}
	}
	return ""
}
