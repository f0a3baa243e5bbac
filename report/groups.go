package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
)

// FailureGroup is the failing module versions that share a status, a
// cause and the host where they failed: one row of the summary's and the
// text report's failing-modules table. When a host is down, hundreds of
// modules fail for one reason; a group says so once.
type FailureGroup struct {
	Status Status
	Cause  cause.Code
	// Host is the host:port of the request that failed, or the route
	// when no host was asked ("direct", "off"; "" when no request was
	// sent before the run's deadline).
	Host    string
	Modules []Module // in report order
}

// FailureGroups groups the report's failing modules by status, cause and
// host: the largest group first, then by status (checksum problems
// first), cause and host, so that the order is stable. Both the Markdown
// and the text renderer show failures through it.
func FailureGroups(r *Report) []FailureGroup {
	type key struct {
		status Status
		cause  cause.Code
		host   string
	}
	at := map[key]int{}
	var out []FailureGroup
	for _, m := range r.Modules {
		if !Failed(m.Status) {
			continue
		}
		k := key{m.Status, m.Cause, failedHost(m)}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, FailureGroup{Status: k.status, Cause: k.cause, Host: k.host})
		}
		out[i].Modules = append(out[i].Modules, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case len(a.Modules) != len(b.Modules):
			return len(a.Modules) > len(b.Modules)
		case a.Status != b.Status:
			return statusRank(a.Status) < statusRank(b.Status)
		case a.Cause != b.Cause:
			return a.Cause < b.Cause
		}
		return a.Host < b.Host
	})
	return out
}

// failedHost is where m failed: the host of its last request that failed
// with m's cause, else the host of its route, else the route's name.
func failedHost(m Module) string {
	for i := len(m.Attempts) - 1; i >= 0; i-- {
		if a := m.Attempts[i]; a.Cause == m.Cause && a.URL != "" {
			if hp := hostPort(a.URL); hp != "" {
				return hp
			}
		}
	}
	if hp := hostPort(m.Via); hp != "" {
		return hp
	}
	return m.Via
}

// FailingModules is the report's failing modules, checksum problems
// first: the rows of the full per-module table.
func FailingModules(r *Report) []Module {
	var out []Module
	for _, m := range r.Modules {
		if Failed(m.Status) {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return statusRank(out[i].Status) < statusRank(out[j].Status) })
	return out
}

// IDs returns the first max "path@version" of mods and how many more
// there are.
func IDs(mods []Module, max int) (ids []string, more int) {
	for i, m := range mods {
		if i == max {
			return ids, len(mods) - max
		}
		ids = append(ids, m.ID())
	}
	return ids, 0
}

// Lines says where the modules are required, per file, as
// "go.mod:5, 6, 9", showing at most max lines in all and counting the
// rest.
func Lines(mods []Module, max int, rel func(string) string) string {
	var files []string
	byFile := map[string][]string{}
	shown := 0
	for _, m := range mods {
		if shown == max {
			break
		}
		shown++
		if m.File == "" {
			continue // a version only a go command's log named
		}
		f := rel(m.File)
		if _, ok := byFile[f]; !ok {
			files = append(files, f)
		}
		byFile[f] = append(byFile[f], strconv.Itoa(m.Line))
	}
	var parts []string
	for _, f := range files {
		parts = append(parts, f+":"+strings.Join(byFile[f], ", "))
	}
	s := strings.Join(parts, "; ")
	if n := len(mods) - shown; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

// RouteText names a group's host for a reader: the host, or what the
// route was when no host was asked.
func (g FailureGroup) RouteText() string {
	switch g.Host {
	case "":
		return "(no request answered before the deadline)"
	case "off":
		return "module cache only (GOPROXY=off or --offline)"
	}
	return g.Host
}
