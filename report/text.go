package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/gopreflight/gopreflight/probe"
)

// Text writes the human report, answer first: the verdict; the findings
// with their fixes and the modules each affects (bounded); the failing
// modules grouped by cause and host, then listed one per row up to
// TextModuleBound with a note; passing and skipped modules as counts;
// the hosts the build must reach; the checksum, endpoint and ranking
// tables; and the verdict again as the last line, where a terminal leaves
// it.
func Text(w io.Writer, r *Report) error {
	b := &errWriter{w: w}
	b.printf("%s: %s\n\n", r.Mark(), oneLine(r.Verdict()))
	explainedText(b, r)
	if len(r.Findings) > 0 {
		b.printf("Findings\n")
		for _, f := range r.Findings {
			b.printf("  %s [%s] %s\n", strings.ToUpper(string(f.Severity)), f.Cause, oneLine(f.Title))
			if f.Detail != "" {
				b.printf("      %s\n", oneLine(f.Detail))
			}
			if f.Advice != "" {
				b.printf("      fix: %s\n", oneLine(f.Advice))
			}
			for _, l := range strings.Split(strings.TrimSpace(f.Fix), "\n") {
				if l != "" {
					b.printf("        %s\n", oneLine(l))
				}
			}
			if len(f.Modules) > 1 {
				ids, more := f.Modules, 0
				if len(ids) > textFindingModules {
					ids, more = ids[:textFindingModules], len(ids)-textFindingModules
				}
				b.printf("      modules (%d): %s", len(f.Modules), oneLine(strings.Join(ids, ", ")))
				if more > 0 {
					b.printf(" and %d more", more)
				}
				b.printf("\n")
			}
		}
		b.printf("\n")
	}
	if groups := FailureGroups(r); len(groups) > 0 {
		b.printf("Modules that cannot be fetched, by cause and host\n")
		tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  CAUSE\tSTATUS\tHOST\tMODULES\tEXAMPLES\tWHERE\n")
		for _, g := range groups {
			ids, more := IDs(g.Modules, 2)
			ex := strings.Join(ids, ", ")
			if more > 0 {
				ex += fmt.Sprintf(" and %d more", more)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\n", g.Cause, g.Status, cell(g.RouteText()), len(g.Modules), cell(ex), cell(Lines(g.Modules, 4, func(f string) string { return f })))
		}
		tw.Flush()
		b.printf("\n")
		failing := FailingModules(r)
		shown := min(len(failing), TextModuleBound)
		if shown < len(failing) {
			b.printf("Failing modules: the first %d of %d (the JSON report, --output, has every one)\n", shown, len(failing))
		} else {
			b.printf("Failing modules\n")
		}
		tw = tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  MODULE\tVERSION\tSTATUS\tCAUSE\tVIA\tTIME\tWHERE\n")
		for _, m := range failing[:shown] {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%dms\t%s\n", cell(m.Path), cell(m.Version), m.Status, m.Cause, cell(m.Via), m.DurationMS, cell(m.Where()))
		}
		tw.Flush()
		if shown < len(failing) {
			b.printf("  … %d more not shown (bound: %d rows)\n", len(failing)-shown, TextModuleBound)
		}
		b.printf("\n")
	}
	if others := otherModules(r); others != "" {
		b.printf("%s\n\n", others)
	}
	if allow := AllowList(r); len(allow) > 0 {
		b.printf("Hosts this build must reach (egress allow-list)\n")
		for _, h := range allow {
			b.printf("  %s\n", h)
		}
		b.printf("\n")
	}
	if cands := CandidateHosts(r); len(cands) > 0 {
		b.printf("Candidates measured, not used by this build (not on the allow-list)\n")
		for _, h := range cands {
			b.printf("  %s\n", h)
		}
		b.printf("\n")
	}
	checksumText(b, r)
	if len(r.Endpoints) > 0 {
		tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "ENDPOINT\tROLE\tREACHABLE\tCAUSE\tP50\tP95\tREQUESTS\tFAILURES\n")
		eps := endpointOrder(r.Endpoints)
		for _, e := range eps[:min(len(eps), TextModuleBound)] {
			lat := r.EndpointLatency(e)
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%.0fms\t%.0fms\t%d\t%d\n", cell(e.URL), e.Role, e.Reachable, e.Cause, lat.P50, lat.P95, e.Requests, e.Failures)
		}
		tw.Flush()
		if n := len(eps) - TextModuleBound; n > 0 {
			b.printf("… %d more endpoints not shown (bound: %d rows)\n", n, TextModuleBound)
		}
		b.printf("\n")
	}
	rankingText(b, r)
	if r.Recommendation.GOPROXY != "" {
		b.printf("Recommended: GOPROXY=%s (%s)\n", oneLine(r.Recommendation.GOPROXY), oneLine(r.Recommendation.Reason))
	} else if len(r.Ranking) > 0 && r.Recommendation.Reason != "" {
		b.printf("No GOPROXY recommended: %s\n", oneLine(r.Recommendation.Reason))
	}
	b.printf("%s: %s in %dms\n", r.Mark(), oneLine(r.Verdict()), r.DurationMS)
	return b.err
}

// TextModuleBound is how many rows the text report's per-module and
// endpoint tables show at most; the JSON report has every one.
const TextModuleBound = 100

// textFindingModules is how many modules a finding lists in the text
// report.
const textFindingModules = 10

// otherModules counts the modules that do not fail, which are never
// listed one by one: "Other module versions: 12 ok, 3 skipped (2 local
// replace, 1 ignored)".
func otherModules(r *Report) string {
	s := r.Summary
	if s.OK+s.Skipped == 0 {
		return ""
	}
	var parts []string
	if s.OK > 0 {
		parts = append(parts, fmt.Sprintf("%d ok", s.OK))
	}
	if s.Skipped > 0 {
		why := map[string]int{}
		var order []string
		for _, m := range r.Modules {
			if m.Status != StatusSkipped {
				continue
			}
			d := clip(m.Detail, 60)
			if d == "" {
				d = "skipped"
			}
			if why[d] == 0 {
				order = append(order, d)
			}
			why[d]++
		}
		var ws []string
		for i, d := range order {
			if i == 5 {
				ws = append(ws, fmt.Sprintf("%d other reasons", len(order)-5))
				break
			}
			ws = append(ws, fmt.Sprintf("%d %s", why[d], d))
		}
		parts = append(parts, fmt.Sprintf("%d skipped (%s)", s.Skipped, strings.Join(ws, ", ")))
	}
	label := "Module versions"
	if r.failed() > 0 {
		label = "Other module versions"
	}
	return label + ": " + strings.Join(parts, ", ")
}

// rankingText writes the proxy ranking and names the winner and why.
func rankingText(b *errWriter, r *Report) {
	if len(r.Ranking) == 0 {
		return
	}
	tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RANK\tPROXY\tROLE\tCOMPLETE\tMISSING\tSUCCESS\tP50\tP95\tSUMDB\n")
	for _, k := range r.Ranking {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.0f%%\t%.0fms\t%.0fms\t%s\n", k.Rank, cell(k.URL), k.Role, yesNo(k.Complete), len(k.Missing), k.SuccessRatio*100, k.Latency.P50, k.Latency.P95, yesNo(k.SumDBProxied))
	}
	tw.Flush()
	if w := r.FastestProxy(); w != "" {
		for _, k := range r.Ranking {
			if k.URL == w {
				b.printf("Fastest complete proxy: %s (%s, every needed version, p50 %.0fms)\n", oneLine(w), k.Role, k.Latency.P50)
				break
			}
		}
	} else if reached(r.Ranking) {
		b.printf("No proxy has every needed version.\n")
	} else {
		b.printf("No proxy answered: none could be measured.\n")
	}
	b.printf("\n")
}

// reached says whether any ranked proxy answered a request: a proxy that
// answered none is missing nothing it was asked, yet complete it is not.
func reached(rows []Rank) bool {
	for _, k := range rows {
		if k.SuccessRatio > 0 || len(k.Missing) > 0 {
			return true
		}
	}
	return false
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// AllowList returns the host:port of every endpoint the build contacts,
// sorted: what a firewall must allow. Candidate proxies are measured, not
// used by the build: they are not on it (see CandidateHosts).
func AllowList(r *Report) []string {
	return hostsOf(r, func(e Endpoint) bool { return e.Role != probe.RoleCandidate })
}

// CandidateHosts returns the host:port of every --candidates proxy that
// the allow-list does not already hold, sorted: measured for the ranking,
// needed only if GOPROXY is changed to use them.
func CandidateHosts(r *Report) []string {
	used := map[string]bool{}
	for _, h := range AllowList(r) {
		used[h] = true
	}
	return hostsOf(r, func(e Endpoint) bool { return e.Role == probe.RoleCandidate && !used[hostPort(e.URL)] })
}

func hostsOf(r *Report, keep func(Endpoint) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range r.Endpoints {
		hp := hostPort(e.URL)
		if hp == "" || seen[hp] || !keep(e) {
			continue
		}
		seen[hp] = true
		out = append(out, hp)
	}
	sort.Strings(out)
	return out
}

// plural is "1 thing" or "N things".
func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

func hostPort(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	if strings.Contains(host, ":") && !strings.HasSuffix(host, "]") {
		return host
	}
	switch scheme {
	case "https":
		return host + ":443"
	case "http":
		return host + ":80"
	}
	return host
}

func statusRank(s Status) int {
	for i, st := range []Status{StatusChecksumMismatch, StatusMissingSum, StatusUnreachable, StatusNotFound, StatusTimeout, StatusOK, StatusSkipped} {
		if st == s {
			return i
		}
	}
	return 99
}

// oneLine keeps server-supplied text from breaking the layout.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
