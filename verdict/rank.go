package verdict

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
)

// figures condenses a proxy's pair results.
type figures struct {
	ok, measured int
	missing      []string
	answered     bool // some module answer was a protocol answer (ok or 404/410)
	durs         []time.Duration
}

func figuresOf(m *checks.Measurement, p *checks.ProxyRun, ts []*plan.Target) figures {
	var f figures
	f.missing = []string{}
	for k, pr := range p.Mods {
		if !pr.Measured {
			continue
		}
		f.measured++
		f.durs = append(f.durs, pr.Durations...)
		switch pr.Cause {
		case cause.OK:
			f.ok++
			f.answered = true
		case cause.NotFound:
			f.missing = append(f.missing, ts[m.Sample[k]].ID())
			f.answered = true
		}
	}
	return f
}

func (f figures) complete(n int) bool { return f.measured == n && f.ok == n }

// Classes of a ranked proxy, in ranking order.
const (
	classComplete = iota
	classIncomplete
	classUnreachable
)

// ranked is one proxy with its figures and place.
type ranked struct {
	p     *checks.ProxyRun
	f     figures
	class int
	p50   float64
	row   Rank
}

// ranking orders the measured proxies: complete ones by p50 latency, then
// incomplete ones (fewest missing first), then unreachable ones.
func (res result) ranking() []*ranked {
	m := res.Measured
	if m == nil || len(m.Sample) == 0 {
		// Nothing was fetched through GOPROXY (vendor mode, all skipped or
		// direct): rows would claim measurements that were never made.
		return nil
	}
	n := len(m.Sample)
	var out []*ranked
	for _, p := range m.Proxies {
		f := figuresOf(m, p, res.Plan.Targets)
		k := &ranked{p: p, f: f, class: classIncomplete}
		switch {
		case !f.answered:
			k.class = classUnreachable
		case f.complete(n):
			k.class = classComplete
		}
		lat := RankLatency{P50: checks.Millis(probe.Quantile(f.durs, 0.5)), P95: checks.Millis(probe.Quantile(f.durs, 0.95))}
		k.p50 = lat.P50
		ratio := 0.0
		if n > 0 {
			ratio = math.Round(float64(f.ok)/float64(n)*1000) / 1000
		}
		k.row = Rank{
			URL: goenv.Redact(p.URL), Role: p.Role, Complete: k.class == classComplete,
			Missing: f.missing, SuccessRatio: ratio, Latency: lat, SumDBProxied: p.SumDB,
		}
		out = append(out, k)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.class != b.class {
			return a.class < b.class
		}
		switch a.class {
		case classIncomplete:
			if len(a.f.missing) != len(b.f.missing) {
				return len(a.f.missing) < len(b.f.missing)
			}
			if a.f.ok != b.f.ok {
				return a.f.ok > b.f.ok
			}
			fallthrough
		case classComplete:
			if a.p50 != b.p50 {
				return a.p50 < b.p50
			}
		}
		return a.p.Pos < b.p.Pos
	})
	for i, k := range out {
		k.row.Rank = i + 1
	}
	return out
}

func downCause(p *checks.ProxyRun) cause.Code {
	if p.Down != "" {
		return p.Down
	}
	counts := map[cause.Code]int{}
	for _, pr := range p.Mods {
		if pr.Measured && pr.Cause != cause.OK && pr.Cause != cause.NotFound {
			counts[pr.Cause]++
		}
	}
	if len(counts) == 0 {
		return cause.Timeout
	}
	return cause.Commonest(counts)
}

// shortfall says briefly why an incomplete proxy is not complete.
func (k *ranked) shortfall() string {
	if n := len(mismatched(k.p)); n > 0 {
		return "serves a .mod that does not match go.sum for " + plural(n, "needed version")
	}
	if len(k.f.missing) > 0 {
		return "missing " + plural(len(k.f.missing), "needed version")
	}
	return fmt.Sprintf("served %d of %d, failing with %s", k.f.ok, len(k.p.Mods), downCause(k.p))
}

func nameList(list []*ranked) string {
	names := make([]string, len(list))
	for i, k := range list {
		names[i] = k.row.URL
	}
	return strings.Join(names, ", ")
}

func proxyURLs(list []*ranked) []string {
	out := []string{}
	for _, k := range list {
		out = append(out, k.row.URL)
	}
	return out
}
