package verdict

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
)

// recommend builds the GOPROXY value that would have made this build
// fastest and complete (contract §6), and a finding when none would.
func (res result) recommend(rk []*ranked) (Recommendation, []Finding) {
	m := res.Measured
	switch {
	case m == nil || len(m.Sample) == 0:
		return Recommendation{Reason: "no module of this build is fetched through GOPROXY: nothing to rank"}, nil
	case len(m.Proxies) == 0:
		return Recommendation{Reason: "GOPROXY names no proxy URL and no --candidates were given: nothing to rank"}, nil
	}

	// The original list's direct, and the separator before it.
	hasDirect, directSep, directPos := false, false, 0
	var files []goenv.ProxyEntry
	for i, e := range res.Config.Proxies {
		switch {
		case e.URL == goenv.Direct:
			hasDirect, directPos = true, i
			directSep = i > 0 && res.Config.Proxies[i-1].FallBackOnError
		case goenv.IsFile(e.URL):
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
		if !ok && m.Expired {
			return Recommendation{Reason: "the run's deadline was reached before the proxies were measured; raise --timeout for a recommendation"}, nil
		}
		if !ok && len(rk) == 1 {
			// One proxy measured: the module findings already name what
			// it lacks and why; a second finding would repeat them.
			return Recommendation{Reason: "no proxy, alone or chained, has every needed version"}, nil
		}
		if !ok {
			named := uncovered
			if len(named) > 5 {
				named = append(named[:5:5], fmt.Sprintf("and %d more (the finding's modules)", len(uncovered)-5))
			}
			detail := "Each needed version was asked of every proxy (and direct where GOPROXY has it); these were served by none: " + strings.Join(named, ", ") + "."
			f := Finding{
				Severity: SeverityWarning, Cause: res.commonCause(uncovered),
				Title:   fmt.Sprintf("No GOPROXY value would fetch every module: %s served by no proxy measured", moduleSubject(uncovered)),
				Detail:  detail,
				Advice:  "Add a proxy that has these versions with --candidates, or check the versions in go.mod; nothing is recommended and --set-env writes nothing.",
				Modules: uncovered, Endpoints: proxyURLs(rk),
			}
			return Recommendation{Reason: "no proxy, alone or chained, has every needed version"}, []Finding{f}
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
			dropped = append(dropped, fmt.Sprintf("%s (unreachable: %s)", k.row.URL, downCause(k.p)))
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
	if m.Expired {
		reasons = append(reasons, "the run's deadline cut the measurement short: a proxy not measured in full counts as incomplete")
	}
	if m.Sampled {
		reasons = append(reasons, fmt.Sprintf("measured on a deterministic sample of %d module versions", len(m.Sample)))
	}
	rec := Recommendation{GOPROXY: goenv.FormatProxyList(list)}
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
func (res result) cover(rk []*ranked, hasDirect bool) ([]*ranked, []string, bool) {
	m := res.Measured
	left := map[int]bool{}
	for k := range m.Sample {
		left[k] = true
	}
	var chain []*ranked
	for _, r := range rk {
		if r.class == classUnreachable || len(mismatched(r.p)) > 0 {
			continue // a proxy serving altered bytes is never recommended
		}
		took := false
		for k := range left {
			if r.p.Serves(k) {
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
			o := res.Outcomes[m.Sample[k]]
			if o.Via == goenv.Direct && o.Status == checks.StatusOK {
				delete(left, k)
			}
		}
	}
	if len(left) > 0 {
		var ids []string
		for k := range left {
			ids = append(ids, res.Plan.Targets[m.Sample[k]].ID())
		}
		sort.Strings(ids)
		return nil, ids, false
	}
	sort.SliceStable(chain, func(i, j int) bool { return chain[i].p50 < chain[j].p50 })
	return chain, nil, true
}

// commonCause is the commonest answer the proxies gave for ids.
func (res result) commonCause(ids []string) cause.Code {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	counts := map[cause.Code]int{}
	for _, p := range res.Measured.Proxies {
		for k, pr := range p.Mods {
			if pr.Measured && want[res.Plan.Targets[res.Measured.Sample[k]].ID()] {
				counts[pr.Cause]++
			}
		}
	}
	if len(counts) == 0 {
		return cause.NotFound
	}
	return cause.Commonest(counts)
}

func (res result) hasPrivate() bool {
	for _, t := range res.Plan.Targets {
		if t.Direct && t.Skip == "" {
			return true
		}
	}
	return false
}

func fmtMS(v float64) string { return fmt.Sprintf("%.0fms", v) }
