package verdict

import (
	"fmt"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/probe"
)

// mismatched lists the sampled targets (indexes into the sample) for
// which the proxy served a .mod that go.sum does not vouch for.
func mismatched(p *checks.ProxyRun) []int {
	var out []int
	for k, pr := range p.Mods {
		if pr.Measured && pr.Cause == cause.ChecksumMismatch {
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
func (res result) mismatchFindings(rk []*ranked) []Finding {
	var out []Finding
	for _, k := range rk {
		var ids []string
		for _, s := range mismatched(k.p) {
			i := res.Measured.Sample[s]
			if strings.TrimSuffix(res.Outcomes[i].Via, "/") == k.row.URL {
				continue // the build's own verdict (sumFindings)
			}
			ids = append(ids, res.Plan.Targets[i].ID())
		}
		if len(ids) == 0 {
			continue
		}
		used := false
		for _, o := range res.Outcomes {
			used = used || strings.TrimSuffix(o.Via, "/") == k.row.URL
		}
		f := Finding{
			Severity: SeverityWarning, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("mirror %s serves a go.mod that does not match go.sum for %s", k.row.URL, plural(len(ids), "module version")),
			Detail:    "The build fetches these versions from another route now; a build that reaches this mirror for them (the route before it failing or answering 404, or GOPROXY reordered) stops with a SECURITY ERROR. It is left out of the recommended GOPROXY.",
			Advice:    "Treat this mirror as corrupted or compromised for these versions: report it to its operator and keep it out of GOPROXY until it serves the bytes go.sum records; do not edit go.sum to match it.",
			Endpoints: []string{k.row.URL}, Modules: ids,
		}
		if used {
			f.Severity = SeverityError
			f.Detail = "The build fetches other module versions through this mirror now. " + f.Detail
		}
		out = append(out, f)
	}
	return out
}

// lagFindings reports each proxy that lacks versions other proxies have.
// A GOPROXY entry lagging is a warning (the build uses it); a candidate
// is a notice and never fails the gate.
func (res result) lagFindings(rk []*ranked) []Finding {
	var out []Finding
	for _, k := range rk {
		if len(k.p.Lag) == 0 {
			continue
		}
		var ids, notes []string
		for _, l := range k.p.Lag {
			ids = append(ids, l.ID)
			switch {
			case l.Stale != "":
				notes = append(notes, fmt.Sprintf("%s: @latest still answers %s (%s answer %s)", l.ID, l.Stale, strings.Join(l.Others, ", "), l.ID[strings.LastIndex(l.ID, "@")+1:]))
			case l.Latest:
				notes = append(notes, fmt.Sprintf("%s (the @latest of %s)", l.ID, strings.Join(l.Others, ", ")))
			default:
				notes = append(notes, fmt.Sprintf("%s (on %s)", l.ID, strings.Join(l.Others, ", ")))
			}
		}
		f := Finding{
			Severity: SeverityNotice, Cause: cause.MirrorLag,
			Title:     fmt.Sprintf("%s lags behind other proxies: %s missing", k.row.URL, moduleSubject(ids)),
			Detail:    "@v/list and @latest were compared across the proxies; each version was confirmed missing by a 404/410 for its .info here: " + strings.Join(notes, "; ") + ".",
			Advice:    "Prefer a fresher candidate (see the ranking).",
			Endpoints: []string{k.row.URL},
			Modules:   ids,
		}
		if k.p.Role == probe.RoleProxy {
			f.Severity = SeverityWarning
			f.Advice = "This proxy is in GOPROXY: a build that moves to one of these versions will fail or fall through. Use the recommended GOPROXY, or ask the mirror's operator to refresh it."
		}
		out = append(out, f)
	}
	return out
}
