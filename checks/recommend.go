package checks

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

// Classes of a ranked proxy, in ranking order.
const (
	classComplete = iota
	classIncomplete
	classUnreachable
)

// ranked is one proxy with its figures and place.
type ranked struct {
	p     *proxyRun
	f     figures
	class int
	p50   float64
	row   report.Rank
}

// ranking orders the measured proxies: complete ones by p50 latency, then
// incomplete ones (fewest missing first), then unreachable ones.
func (res *Result) ranking() []*ranked {
	m := res.measured
	if m == nil {
		return nil
	}
	n := len(m.sample)
	var out []*ranked
	for _, p := range m.proxies {
		f := m.figures(p, res.Plan.Targets)
		k := &ranked{p: p, f: f, class: classIncomplete}
		switch {
		case !f.answered:
			k.class = classUnreachable
		case f.complete(n):
			k.class = classComplete
		}
		lat := report.RankLatency{P50: ms(probe.Quantile(f.durs, 0.5)), P95: ms(probe.Quantile(f.durs, 0.95))}
		k.p50 = lat.P50
		ratio := 0.0
		if n > 0 {
			ratio = math.Round(float64(f.ok)/float64(n)*1000) / 1000
		}
		k.row = report.Rank{
			URL: goenv.Redact(p.url), Role: p.role, Complete: k.class == classComplete,
			Missing: f.missing, SuccessRatio: ratio, Latency: lat, SumDBProxied: p.sumdb,
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
		return a.p.pos < b.p.pos
	})
	for i, k := range out {
		k.row.Rank = i + 1
	}
	return out
}

// recommend builds the GOPROXY value that would have made this build
// fastest and complete (contract §6), and a finding when none would.
func (res *Result) recommend(rk []*ranked) (report.Recommendation, []report.Finding) {
	m := res.measured
	switch {
	case m == nil || len(m.sample) == 0:
		return report.Recommendation{Reason: "no module of this build is fetched through GOPROXY: nothing to rank"}, nil
	case len(m.proxies) == 0:
		return report.Recommendation{Reason: "GOPROXY names no proxy URL and no --candidates were given: nothing to rank"}, nil
	}

	// The original list's direct, and the separator before it.
	hasDirect, directSep, directPos := false, false, 0
	var files []goenv.ProxyEntry
	for i, e := range res.Config.Proxies {
		switch {
		case e.URL == goenv.Direct:
			hasDirect, directPos = true, i
			directSep = i > 0 && res.Config.Proxies[i-1].FallBackOnError
		case isFileURL(e.URL):
			files = append(files, e)
		}
	}
	var reasons []string
	var chain []*ranked
	var complete []*ranked
	for _, k := range rk {
		if k.class == classComplete {
			complete = append(complete, k)
		}
	}
	if len(complete) > 0 {
		chain = complete
		first := complete[0]
		reasons = append(reasons, fmt.Sprintf("%s is the fastest proxy with every needed version (p50 %s)", first.row.URL, fmtMS(first.p50)))
		if len(complete) > 1 {
			reasons = append(reasons, fmt.Sprintf("'|' after it so that any failure there, not only a 404, falls over to %s, which is complete too", nameList(complete[1:])))
		}
	} else {
		var ok bool
		var uncovered []string
		chain, uncovered, ok = res.cover(rk, hasDirect)
		if !ok && m.expired {
			return report.Recommendation{Reason: "the run's deadline was reached before the proxies were measured; raise --timeout for a recommendation"}, nil
		}
		if !ok && len(rk) == 1 {
			// One proxy measured: the module findings already name what
			// it lacks and why; a second finding would repeat them.
			return report.Recommendation{Reason: "no proxy, alone or chained, has every needed version"}, nil
		}
		if !ok {
			named := uncovered
			if len(named) > 5 {
				named = append(named[:5:5], fmt.Sprintf("and %d more (the finding's modules)", len(uncovered)-5))
			}
			detail := "Each needed version was asked of every proxy (and direct where GOPROXY has it); these were served by none: " + strings.Join(named, ", ") + "."
			f := report.Finding{
				Severity: report.SeverityWarning, Cause: res.commonCause(uncovered),
				Title:   fmt.Sprintf("No GOPROXY value would fetch every module: %s served by no proxy measured", moduleSubject(uncovered)),
				Detail:  detail,
				Advice:  "Add a proxy that has these versions with --candidates, or check the versions in go.mod; nothing is recommended and --set-env writes nothing.",
				Modules: uncovered, Endpoints: proxyURLs(rk),
			}
			return report.Recommendation{Reason: "no proxy, alone or chained, has every needed version"}, []report.Finding{f}
		}
		switch {
		case len(chain) > 1:
			reasons = append(reasons, fmt.Sprintf("no single proxy has every needed version but %s together do: chained with '|', fastest first, so that a 404 (or any failure) on one falls through to the next", nameList(chain)))
		case len(chain) == 1:
			reasons = append(reasons, fmt.Sprintf("no proxy has every needed version; %s has the most, and direct serves the rest", chain[0].row.URL))
		default:
			reasons = append(reasons, "no proxy serves the versions this build needs, but direct does")
		}
	}
	var dropped []string
	for _, k := range rk {
		if slices.Contains(chain, k) {
			continue
		}
		switch k.class {
		case classUnreachable:
			dropped = append(dropped, fmt.Sprintf("%s (unreachable: %s)", k.row.URL, k.p.downCause()))
		case classIncomplete:
			dropped = append(dropped, fmt.Sprintf("%s (%s)", k.row.URL, k.shortfall()))
		}
	}
	if len(dropped) > 0 {
		reasons = append(reasons, "left out: "+strings.Join(dropped, ", "))
	}

	list := append([]goenv.ProxyEntry(nil), files...)
	for _, k := range chain {
		list = append(list, goenv.ProxyEntry{URL: k.row.URL, FallBackOnError: true})
	}
	if hasDirect {
		if len(list) > 0 {
			list[len(list)-1].FallBackOnError = directSep
		}
		list = append(list, goenv.ProxyEntry{URL: goenv.Direct})
		sep := "','"
		why := "so that only a 404 from the proxies reaches the origin"
		if directSep {
			sep, why = "'|'", "so that any failure of the proxies falls back to the origin"
		}
		if directPos == 0 || len(list) == 1 {
			why = "as the only route"
		}
		reasons = append(reasons, fmt.Sprintf("direct kept last after %s as in your GOPROXY, %s", sep, why))
	} else if len(list) > 0 {
		list[len(list)-1].FallBackOnError = false
	}
	if res.hasPrivate() {
		reasons = append(reasons, "GOPRIVATE/GONOPROXY modules go direct whatever GOPROXY says; GOPRIVATE is left as it is")
	}
	if len(files) > 0 {
		reasons = append(reasons, "file:// entries kept first as given (not measured)")
	}
	if m.expired {
		reasons = append(reasons, "the run's deadline cut the measurement short: a proxy not measured in full counts as incomplete")
	}
	if m.sampled {
		reasons = append(reasons, fmt.Sprintf("measured on a deterministic sample of %d module versions", len(m.sample)))
	}
	rec := report.Recommendation{GOPROXY: goenv.FormatProxyList(list)}
	if rec.GOPROXY == goenv.Redact(goenv.FormatProxyList(res.Config.Proxies)) {
		reasons = append(reasons, "this is your GOPROXY already")
	}
	rec.Reason = strings.Join(reasons, "; ")
	return rec, nil
}

// cover picks, when no proxy is complete, reachable proxies (and direct
// where GOPROXY has it) that together serve every sampled version: greedy
// in ranking order, then ordered fastest first. It returns the versions
// none serves when there is no such set.
func (res *Result) cover(rk []*ranked, hasDirect bool) ([]*ranked, []string, bool) {
	m := res.measured
	left := map[int]bool{}
	for k := range m.sample {
		left[k] = true
	}
	var chain []*ranked
	for _, r := range rk {
		if r.class == classUnreachable || len(r.p.mismatched()) > 0 {
			continue // a proxy serving altered bytes is never recommended
		}
		took := false
		for k := range left {
			if r.p.serves(k) {
				delete(left, k)
				took = true
			}
		}
		if took {
			chain = append(chain, r)
		}
	}
	if hasDirect {
		for k := range left {
			o := res.Outcomes[m.sample[k]]
			if o.via == goenv.Direct && o.status == report.StatusOK {
				delete(left, k)
			}
		}
	}
	if len(left) > 0 {
		var ids []string
		for k := range left {
			ids = append(ids, res.Plan.Targets[m.sample[k]].ID())
		}
		sort.Strings(ids)
		return nil, ids, false
	}
	sort.SliceStable(chain, func(i, j int) bool { return chain[i].p50 < chain[j].p50 })
	return chain, nil, true
}

// commonCause is the commonest answer the proxies gave for ids.
func (res *Result) commonCause(ids []string) cause.Code {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	counts := map[cause.Code]int{}
	for _, p := range res.measured.proxies {
		for k, pr := range p.mods {
			if pr.measured && want[res.Plan.Targets[res.measured.sample[k]].ID()] {
				counts[pr.cause]++
			}
		}
	}
	if len(counts) == 0 {
		return cause.NotFound
	}
	return commonest(counts)
}

func (res *Result) hasPrivate() bool {
	for _, t := range res.Plan.Targets {
		if t.Direct && t.Skip == "" {
			return true
		}
	}
	return false
}

// mismatched lists the sampled targets (indexes into the sample) for
// which the proxy served a .mod that go.sum does not vouch for.
func (p *proxyRun) mismatched() []int {
	var out []int
	for k, pr := range p.mods {
		if pr.measured && pr.cause == cause.ChecksumMismatch {
			out = append(out, k)
		}
	}
	return out
}

// mismatchFindings names each measured proxy (a later GOPROXY entry, a
// candidate) that serves a .mod differing from go.sum for a version the
// build fetches elsewhere: nothing fails now, but the day the build falls
// through to it (or GOPROXY is reordered) the go command stops with a
// SECURITY ERROR. Versions the build fetches from that proxy are already
// checksum_mismatch modules with their own finding (sumFindings). The
// finding is an error when the build fetches anything through the proxy
// now, a warning otherwise.
func (res *Result) mismatchFindings(rk []*ranked) []report.Finding {
	var out []report.Finding
	for _, k := range rk {
		var ids []string
		for _, s := range k.p.mismatched() {
			i := res.measured.sample[s]
			if strings.TrimSuffix(res.Outcomes[i].via, "/") == k.row.URL {
				continue // the build's own verdict (sumFindings)
			}
			ids = append(ids, res.Plan.Targets[i].ID())
		}
		if len(ids) == 0 {
			continue
		}
		used := false
		for _, o := range res.Outcomes {
			used = used || strings.TrimSuffix(o.via, "/") == k.row.URL
		}
		f := report.Finding{
			Severity: report.SeverityWarning, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("mirror %s serves a go.mod that does not match go.sum for %s", k.row.URL, plural(len(ids), "module version")),
			Detail:    "The build fetches these versions from another route now; a build that reaches this mirror for them (the route before it failing or answering 404, or GOPROXY reordered) stops with a SECURITY ERROR. It is left out of the recommended GOPROXY.",
			Advice:    "Treat this mirror as corrupted or compromised for these versions: report it to its operator and keep it out of GOPROXY until it serves the bytes go.sum records; do not edit go.sum to match it.",
			Endpoints: []string{k.row.URL}, Modules: ids,
		}
		if used {
			f.Severity = report.SeverityError
			f.Detail = "The build fetches other module versions through this mirror now. " + f.Detail
		}
		out = append(out, f)
	}
	return out
}

// lagFindings reports each proxy that lacks versions other proxies have.
// A GOPROXY entry lagging is a warning (the build uses it); a candidate
// is a notice and never fails the gate.
func (res *Result) lagFindings(rk []*ranked) []report.Finding {
	var out []report.Finding
	for _, k := range rk {
		if len(k.p.lag) == 0 {
			continue
		}
		var ids, notes []string
		for _, l := range k.p.lag {
			ids = append(ids, l.id)
			switch {
			case l.stale != "":
				notes = append(notes, fmt.Sprintf("%s: @latest still answers %s (%s answer %s)", l.id, l.stale, strings.Join(l.others, ", "), l.id[strings.LastIndex(l.id, "@")+1:]))
			case l.latest:
				notes = append(notes, fmt.Sprintf("%s (the @latest of %s)", l.id, strings.Join(l.others, ", ")))
			default:
				notes = append(notes, fmt.Sprintf("%s (on %s)", l.id, strings.Join(l.others, ", ")))
			}
		}
		f := report.Finding{
			Severity: report.SeverityNotice, Cause: cause.MirrorLag,
			Title:     fmt.Sprintf("%s lags behind other proxies: %s missing", k.row.URL, moduleSubject(ids)),
			Detail:    "@v/list and @latest were compared across the proxies; each version was confirmed missing by a 404/410 for its .info here: " + strings.Join(notes, "; ") + ".",
			Advice:    "Prefer a fresher candidate (see the ranking).",
			Endpoints: []string{k.row.URL},
			Modules:   ids,
		}
		if k.p.role == probe.RoleProxy {
			f.Severity = report.SeverityWarning
			f.Advice = "This proxy is in GOPROXY: a build that moves to one of these versions will fail or fall through. Use the recommended GOPROXY, or ask the mirror's operator to refresh it."
		}
		out = append(out, f)
	}
	return out
}

// rankReport fills the report's ranking, recommendation and mirror
// findings.
func (res *Result) rankReport(rep *report.Report) {
	rk := res.ranking()
	if m := res.measured; m == nil || len(m.sample) == 0 {
		// Nothing was fetched through GOPROXY (vendor mode, all skipped or
		// direct): rows would claim measurements that were never made.
		rk = nil
	}
	for _, k := range rk {
		rep.Ranking = append(rep.Ranking, k.row)
	}
	rec, fs := res.recommend(rk)
	rep.Recommendation = rec
	rep.Findings = append(rep.Findings, fs...)
	rep.Findings = append(rep.Findings, res.lagFindings(rk)...)
	rep.Findings = append(rep.Findings, res.mismatchFindings(rk)...)
	sort.SliceStable(rep.Findings, func(i, j int) bool { return sevRank(rep.Findings[i].Severity) > sevRank(rep.Findings[j].Severity) })
}

func (p *proxyRun) downCause() cause.Code {
	if p.down != "" {
		return p.down
	}
	counts := map[cause.Code]int{}
	for _, pr := range p.mods {
		if pr.measured && pr.cause != cause.OK && pr.cause != cause.NotFound {
			counts[pr.cause]++
		}
	}
	if len(counts) == 0 {
		return cause.Timeout
	}
	return commonest(counts)
}

// shortfall says briefly why an incomplete proxy is not complete.
func (k *ranked) shortfall() string {
	if n := len(k.p.mismatched()); n > 0 {
		return "serves a .mod that does not match go.sum for " + plural(n, "needed version")
	}
	if len(k.f.missing) > 0 {
		return "missing " + plural(len(k.f.missing), "needed version")
	}
	return fmt.Sprintf("served %d of %d, failing with %s", k.f.ok, len(k.p.mods), k.p.downCause())
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

func fmtMS(v float64) string { return fmt.Sprintf("%.0fms", v) }
