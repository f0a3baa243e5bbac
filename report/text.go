package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Text writes the human report: findings and their fixes first, then the
// hosts the build must reach, then the module and endpoint tables, and the
// verdict last.
func Text(w io.Writer, r *Report) error {
	b := &errWriter{w: w}
	explainedText(b, r)
	if len(r.Findings) > 0 {
		b.printf("Findings\n")
		for _, f := range r.Findings {
			b.printf("  %s [%s] %s\n", strings.ToUpper(f.Severity), f.Cause, oneLine(f.Title))
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
		}
		b.printf("\n")
	}
	if allow := AllowList(r); len(allow) > 0 {
		b.printf("Hosts this build must reach (egress allow-list)\n")
		for _, h := range allow {
			b.printf("  %s\n", h)
		}
		b.printf("\n")
	}
	if len(r.Modules) > 0 {
		mods := append([]Module(nil), r.Modules...)
		sort.SliceStable(mods, func(i, j int) bool { return statusRank(mods[i].Status) < statusRank(mods[j].Status) })
		tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "MODULE\tVERSION\tSTATUS\tCAUSE\tVIA\tTIME\tWHERE\n")
		for _, m := range mods {
			where := fmt.Sprintf("%s:%d", m.File, m.Line)
			if m.File == "" {
				where = "-" // a version only a log named (gopreflight explain)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%dms\t%s\n", oneLine(m.Path), oneLine(m.Version), m.Status, m.Cause, oneLine(m.Via), m.DurationMS, where)
		}
		tw.Flush()
		b.printf("\n")
	}
	checksumText(b, r)
	if len(r.Endpoints) > 0 {
		tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "ENDPOINT\tROLE\tREACHABLE\tCAUSE\tP50\tP95\tREQUESTS\tFAILURES\n")
		for _, e := range r.Endpoints {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%.0fms\t%.0fms\t%d\t%d\n", oneLine(e.URL), e.Role, e.Reachable, e.Cause, e.Latency.P50, e.Latency.P95, e.Requests, e.Failures)
		}
		tw.Flush()
		b.printf("\n")
	}
	rankingText(b, r)
	if r.Recommendation.GOPROXY != "" {
		b.printf("Recommended: GOPROXY=%s (%s)\n", oneLine(r.Recommendation.GOPROXY), oneLine(r.Recommendation.Reason))
	} else if len(r.Ranking) > 0 && r.Recommendation.Reason != "" {
		b.printf("No GOPROXY recommended: %s\n", oneLine(r.Recommendation.Reason))
	}
	mark := "PASS"
	if !r.Summary.Passed {
		mark = "FAIL"
	}
	b.printf("%s: %s in %dms\n", mark, r.Verdict(), r.DurationMS)
	return b.err
}

// rankingText writes the proxy ranking and names the winner and why.
func rankingText(b *errWriter, r *Report) {
	if len(r.Ranking) == 0 {
		return
	}
	tw := tabwriter.NewWriter(b, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RANK\tPROXY\tROLE\tCOMPLETE\tMISSING\tSUCCESS\tP50\tP95\tSUMDB\n")
	for _, k := range r.Ranking {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.0f%%\t%.0fms\t%.0fms\t%s\n", k.Rank, oneLine(k.URL), k.Role, yesNo(k.Complete), len(k.Missing), k.SuccessRatio*100, k.Latency.P50, k.Latency.P95, yesNo(k.SumDBProxied))
	}
	tw.Flush()
	if w := r.FastestProxy(); w != "" {
		for _, k := range r.Ranking {
			if k.URL == w {
				b.printf("Fastest complete proxy: %s (%s, every needed version, p50 %.0fms)\n", oneLine(w), k.Role, k.Latency.P50)
				break
			}
		}
	} else {
		b.printf("No proxy has every needed version.\n")
	}
	b.printf("\n")
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// AllowList returns the host:port of every endpoint the build contacts,
// sorted: what a firewall must allow.
func AllowList(r *Report) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range r.Endpoints {
		hp := hostPort(e.URL)
		if hp == "" || seen[hp] {
			continue
		}
		seen[hp] = true
		out = append(out, hp)
	}
	sort.Strings(out)
	return out
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

func statusRank(s string) int {
	for i, st := range []string{StatusChecksumMismatch, StatusMissingSum, StatusUnreachable, StatusNotFound, StatusTimeout, StatusOK, StatusSkipped} {
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
