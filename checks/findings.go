package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/report"
)

// findings correlates module and endpoint results into the few
// conclusions a person reads first, most severe first.
func findings(rep *report.Report) []report.Finding {
	type key struct {
		status string
		cause  cause.Code
		via    string
	}
	groups := map[key][]string{}
	var order []key
	for _, m := range rep.Modules {
		switch m.Status {
		case report.StatusOK, report.StatusSkipped, report.StatusChecksumMismatch, report.StatusMissingSum:
			continue // checksum verdicts: sumFindings
		}
		k := key{m.Status, m.Cause, m.Via}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], m.ID())
	}
	out := []report.Finding{}
	for _, k := range order {
		mods := groups[k]
		f := report.Finding{Severity: report.SeverityError, Cause: k.cause, Modules: mods, Endpoints: []string{}}
		if k.via != "" {
			f.Endpoints = []string{k.via}
		}
		n := plural(len(mods), "module version")
		switch k.status {
		case report.StatusNotFound:
			f.Title = fmt.Sprintf("%s not found on %s", n, k.via)
			f.Detail = "The proxy answered 404/410: the version does not exist there. This is not network interference."
			f.Advice = "Check the version in go.mod (a typo, a deleted tag, or a private module that needs GOPRIVATE)."
		case report.StatusTimeout:
			f.Title = fmt.Sprintf("%s timed out via %s", n, k.via)
			f.Advice = "Raise --timeout or --request-timeout, or check the network path to the proxy."
		default:
			f.Title = fmt.Sprintf("%s unreachable via %s: %s", n, k.via, k.cause)
			f.Advice = "See the endpoint's cause; the proxy or the network path to it is failing."
		}
		f.Detail = strings.TrimSpace(f.Detail + " " + firstDetail(rep, mods[0]))
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return sevRank(out[i].Severity) > sevRank(out[j].Severity) })
	return out
}

func firstDetail(rep *report.Report, id string) string {
	for _, m := range rep.Modules {
		if m.ID() == id {
			return m.Detail
		}
	}
	return ""
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

func sevRank(s string) int {
	switch s {
	case report.SeverityError:
		return 2
	case report.SeverityWarning:
		return 1
	}
	return 0
}
