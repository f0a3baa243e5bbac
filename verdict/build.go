package verdict

import (
	"sort"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
)

// Build draws the verdict of a finished run: the module rows, the
// endpoints and the summary, then every finding, the ranking and the
// recommendation, each once, and sorts the findings once, most severe
// first (ties keep the order they are built in).
func Build(r *checks.Result) *Verdict {
	res := result{r}
	v := &Verdict{Modules: make([]checks.Module, len(res.Plan.Targets)), Endpoints: []checks.Endpoint{}, Findings: []Finding{}, Ranking: []Rank{}}
	for i, t := range res.Plan.Targets {
		v.Modules[i] = checks.ModuleOf(t, res.Outcomes[i])
	}
	v.Summary = summarize(v.Modules)
	if v.Summary.Modules != v.Summary.Skipped {
		// Otherwise the build contacts nothing (vendor mode, all replaced
		// or ignored): no host belongs on its allow-list.
		v.Endpoints = checks.EndpointsOf(res.Endpoints)
	}
	// The route findings read the verdict as it stands here, before the
	// ranking is filled in.
	v.Findings = append(v.Findings, res.findings(v)...)
	v.Findings = append(v.Findings, res.inputFindings()...)
	v.Findings = append(v.Findings, res.sumFindings()...)
	rk := res.ranking()
	for _, k := range rk {
		v.Ranking = append(v.Ranking, k.row)
	}
	rec, fs := res.recommend(rk)
	v.Recommendation = rec
	v.Findings = append(v.Findings, fs...)
	v.Findings = append(v.Findings, res.lagFindings(rk)...)
	v.Findings = append(v.Findings, res.mismatchFindings(rk)...)
	sort.SliceStable(v.Findings, func(i, j int) bool { return sevRank(v.Findings[i].Severity) > sevRank(v.Findings[j].Severity) })
	return v
}

// summarize counts module versions, each once: a version several inputs
// need (two PATHs, two modules of a go.work) has a row per input, judged
// by that input's go.sum, and counts with its worst status.
func summarize(mods []checks.Module) Summary {
	worst := map[string]checks.Module{}
	var order []string
	for _, m := range mods {
		id := m.ID()
		prev, ok := worst[id]
		if !ok {
			order = append(order, id)
		}
		if !ok || statusRank(m.Status) > statusRank(prev.Status) {
			worst[id] = m
		}
	}
	s := Summary{Modules: len(order)}
	for _, id := range order {
		m := worst[id]
		switch m.Status {
		case checks.StatusOK:
			s.OK++
		case checks.StatusNotFound:
			s.NotFound++
		case checks.StatusUnreachable:
			s.Unreachable++
		case checks.StatusChecksumMismatch:
			s.ChecksumMismatch++
		case checks.StatusMissingSum:
			s.MissingSum++
		case checks.StatusTimeout:
			s.Timeout++
		case checks.StatusSkipped:
			s.Skipped++
			if m.Cause == cause.Timeout {
				s.NotChecked++
			}
		}
		if m.Status == checks.StatusOK && m.Via == checks.ViaCache {
			s.Cached++
		}
	}
	return s
}

// statusRank orders statuses from the least to the most serious, for
// summarize: a version skipped by one input and fetched by another is
// fetched, and one failure anywhere fails it.
func statusRank(s checks.Status) int {
	switch s {
	case checks.StatusSkipped:
		return 0
	case checks.StatusOK:
		return 1
	case checks.StatusMissingSum:
		return 2
	case checks.StatusTimeout:
		return 3
	case checks.StatusUnreachable:
		return 4
	case checks.StatusNotFound:
		return 5
	}
	return 6 // checksum_mismatch
}

// Unchecked is the verdict of a run whose deadline came before anything
// could be checked: reading and planning the inputs did not finish, or
// left too little time to check what they planned. Nothing passed, so
// one timeout finding, saying how far the run got, fails the gate.
func Unchecked(title, detail, advice string) *Verdict {
	return &Verdict{
		Modules: []checks.Module{}, Endpoints: []checks.Endpoint{}, Ranking: []Rank{},
		Findings: []Finding{{
			Severity: SeverityError, Cause: cause.Timeout, Title: title, Detail: detail, Advice: advice,
			Endpoints: []string{}, Modules: []string{},
		}},
	}
}
