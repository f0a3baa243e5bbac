package explain

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/workspace"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Unchecked returns the module versions the failures name that the
// workspaces do not require: a live check must add them to probe what the
// log names (a `go get` of a new version, a toolchain download).
func Unchecked(fs []Failure, wss []*workspace.Workspace) []module.Version {
	required := map[module.Version]bool{}
	for _, ws := range wss {
		for _, m := range ws.Modules {
			for _, r := range m.Requires {
				required[r.Version] = true
			}
		}
	}
	var out []module.Version
	seen := map[module.Version]bool{}
	for _, f := range fs {
		v := module.Version{Path: f.ModulePath(), Version: f.ModuleVersion()}
		if v.Path == "" || !semver.IsValid(v.Version) || module.Check(v.Path, v.Version) != nil || required[v] || seen[v] || f.Phase == PhaseVendor {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// Judge sets each failure beside rep, a live check of the same build (its
// workspaces plus the Unchecked modules): a failure the check reproduces
// is persistent, with the check's cause (the live diagnosis sees more than
// the log's words: a 403's body, the presented issuer); one it does not is
// transient.
func Judge(fs []Failure, rep *report.Report) []report.Explained {
	out := make([]report.Explained, 0, len(fs))
	for _, f := range fs {
		e := report.Explained{
			Line: f.Line, Source: fmt.Sprintf("%s:%d", f.Source, f.LineNo),
			Module: f.Module, Package: f.Package, Host: f.Host, URL: f.URL,
			Phase: string(f.Phase), Cause: f.Cause, LogCause: f.Cause, State: report.StateUnknown,
		}
		m, found := moduleFor(f, rep)
		if found && e.Module == "" || found && !strings.Contains(e.Module, "@") {
			e.Module = m.ID()
		}
		switch {
		case f.Phase == PhaseVendor:
			judgeVendor(&e, rep)
		case found && m.Status == report.StatusSkipped:
			e.Detail = "not checked now: " + m.Detail
		case found && report.Failed(m.Status):
			e.State, e.Cause = report.StatePersistent, m.Cause
			e.Detail = fmt.Sprintf("%s %s now (%s): %s", m.ID(), m.Status, m.Cause, m.Detail)
		case found:
			e.State = report.StateTransient
			e.Detail = fmt.Sprintf("%s fetches now via %s", m.ID(), m.Via)
		default:
			judgeHost(&e, rep)
		}
		out = append(out, e)
	}
	return out
}

// moduleFor finds the report's verdict on what f names: the same
// path@version, else the same path (a failing verdict first), else the
// module that provides f's package.
func moduleFor(f Failure, rep *report.Report) (report.Module, bool) {
	var byPath, byPkg *report.Module
	for i := range rep.Modules {
		m := &rep.Modules[i]
		switch {
		case f.Module != "" && m.ID() == f.Module:
			return *m, true
		case f.Module != "" && m.Path == f.ModulePath():
			if byPath == nil || report.Failed(m.Status) && !report.Failed(byPath.Status) {
				byPath = m
			}
		case f.Package != "" && (f.Package == m.Path || strings.HasPrefix(f.Package, m.Path+"/")):
			if byPkg == nil || len(m.Path) > len(byPkg.Path) {
				byPkg = m
			}
		}
	}
	if byPath != nil {
		return *byPath, true
	}
	if byPkg != nil {
		return *byPkg, true
	}
	return report.Module{}, false
}

// judgeHost judges a failure that names no module the check knows by the
// endpoint it names.
func judgeHost(e *report.Explained, rep *report.Report) {
	if e.Host == "" {
		e.Detail = "the log names no module or host this build's check reaches"
		return
	}
	for _, ep := range rep.Endpoints {
		if ep.Host != e.Host && hostOf(ep.URL) != e.Host {
			continue
		}
		if ep.Reachable && ep.Cause == cause.OK {
			e.State = report.StateTransient
			e.Detail = ep.URL + " answers now"
		} else {
			e.State, e.Cause = report.StatePersistent, ep.Cause
			e.Detail = fmt.Sprintf("%s fails now (%s): %s", ep.URL, ep.Cause, ep.Detail)
		}
		return
	}
	e.Detail = "no route of this build reaches " + e.Host + " now"
}

func hostOf(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return host
}

// judgeVendor: a module vendor/ lacked persists while vendor/modules.txt
// of the build's module still does not list it.
func judgeVendor(e *report.Explained, rep *report.Report) {
	path, version := e.Module, ""
	if p, v, ok := strings.Cut(e.Module, "@"); ok {
		path, version = p, v
	}
	if path == "" {
		path = e.Package
	}
	for _, in := range rep.Inputs {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(in.File), "vendor", "modules.txt"))
		if err != nil && !os.IsNotExist(err) {
			continue
		}
		listed := false
		for _, l := range strings.Split(string(data), "\n") {
			f := strings.Fields(l)
			if len(f) >= 3 && f[0] == "#" && (f[1] == path || strings.HasPrefix(path, f[1]+"/")) && (version == "" || f[2] == version) {
				listed = true
			}
		}
		if listed {
			e.State = report.StateTransient
			e.Detail = "vendor/modules.txt of " + in.File + " lists it now"
		} else {
			e.State = report.StatePersistent
			e.Detail = "vendor/modules.txt of " + in.File + " does not list it: run go mod vendor (or build with -mod=mod)"
		}
		return
	}
	e.Detail = "no module of this build has a vendor directory to check"
}
