// Package plan turns parsed workspaces and the Go environment into the
// list of module versions a build fetches, each with the route the go
// command would take (GOPROXY entries, direct, or none) and what it needs
// (the zip, or only the go.mod).
package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/workspace"
)

// Needs.
const (
	NeedZip = "zip"
	NeedMod = "mod"
)

// ToolchainModule is the module path the go command downloads toolchains
// from.
const ToolchainModule = "golang.org/toolchain"

// Target is one module version to check.
type Target struct {
	// Module is what is fetched: the replacement, if any.
	Module module.Version
	// Required is the requirement as written, when a replace changed it.
	Required *module.Version
	Need     string
	Indirect bool
	Pos      workspace.Pos
	// Direct: fetched from its VCS (GONOPROXY / GOPRIVATE), not GOPROXY.
	Direct bool
	// Skip, when set, says why nothing is fetched.
	Skip string
	// Problem, when set, is why the build fails on this requirement
	// without any download: a local replacement directory with no go.mod.
	Problem string
	// Query: go.mod names a query (a branch, v1.2), not a version, which
	// the go command resolves only when it may update go.mod.
	Query bool
	// Toolchain marks the toolchain module.
	Toolchain bool
	// Work: the workspace that needs it is a go.work, where the go command
	// never requires go.sum lines up front (cmd/go's mustHaveSums): it
	// adds a missing line to go.work.sum, as -mod=mod adds it to go.sum.
	Work bool
	// Sum and ModSum are the go.sum lines, when present.
	Sum, ModSum *workspace.Sum
	// SumFile is the go.sum the module's lines belong in.
	SumFile string

	// Shared: other workspaces need the same version; its requests are
	// sent once and their results shared.
	Shared bool
	// Workspace is the index of the workspace that needs it.
	Workspace int
	// GraphOnly: a go.mod known only from a go.sum line, in a main module
	// whose module graph is pruned (go 1.17 or later). The go command
	// reads it only when an unpruned dependency (a go.mod below go 1.17)
	// reaches it; else the line is left over from an older graph.
	GraphOnly bool

	// remote: the workspace that needs it does not build from vendor/.
	remote bool
}

// ID is "path@version".
func (t *Target) ID() string { return t.Module.Path + "@" + t.Module.Version }

// Options shape a plan.
type Options struct {
	Env *goenv.Env
	// Ignore holds module path patterns (GOPRIVATE syntax) not to check.
	Ignore string
	// ForceRemote checks remote routes even in vendor mode (an explicit
	// --depth).
	ForceRemote bool
	// Platform is the toolchain download's "goos-goarch": the machine the
	// go command runs on, not GOOS/GOARCH (which only name the build's
	// target). "" means runtime.GOOS-runtime.GOARCH.
	Platform string
}

// Plan is what to check, in report order.
type Plan struct {
	Targets []*Target
	// Vendored names the inputs that build from vendor/.
	Vendored []string
}

// Fetches reports whether any target is fetched (not skipped).
func (p *Plan) Fetches() bool {
	for _, t := range p.Targets {
		if t.Skip == "" {
			return true
		}
	}
	return false
}

// Build makes the plan for workspaces. A module version is one target per
// workspace, since each has its own go.sum and vendor mode to judge it
// by; a version several workspaces need is marked Shared, and its requests
// are sent once.
func Build(wss []*workspace.Workspace, o Options) *Plan {
	p := &Plan{}
	type key struct {
		module.Version
		ws int
	}
	seen := map[key]*Target{}
	count := map[module.Version]int{}
	vendor, work := false, false
	wsIndex := 0
	add := func(t *Target) {
		t.remote, t.Work, t.Workspace = !vendor, work, wsIndex
		k := key{t.Module, wsIndex}
		if prev, ok := seen[k]; ok {
			prev.remote = prev.remote || t.remote
			if t.Need == NeedZip && prev.Need == NeedMod {
				prev.Need, prev.Pos, prev.Indirect = NeedZip, t.Pos, t.Indirect
				prev.Required, prev.Sum, prev.ModSum = t.Required, t.Sum, t.ModSum
			}
			if prev.Skip != "" && t.Skip == "" {
				prev.Skip = ""
			}
			return
		}
		seen[k] = t
		count[t.Module]++
		p.Targets = append(p.Targets, t)
	}
	platform := o.Platform
	if platform == "" {
		platform = runtime.GOOS + "-" + runtime.GOARCH
	}
	modFlag := o.Env.ModFlag()
	for i, ws := range wss {
		wsIndex, work = i, ws.Work != ""
		vendor = modFlag == "vendor" || (ws.Vendored && modFlag != "mod" && modFlag != "readonly")
		if vendor {
			p.Vendored = append(p.Vendored, ws.Root)
		}
		selected := workspaceSelected(ws)
		for _, m := range ws.Modules {
			sumFile := ws.Sums
			for _, r := range m.Requires {
				t := &Target{Module: r.Version, Need: NeedZip, Indirect: r.Indirect, Pos: r.Pos}
				if v, ok := selected[r.Path]; ok && semver.Compare(r.Version.Version, v) < 0 {
					// Another used module requires a higher version: the
					// build uses that one, and reads only this one's go.mod
					// for the module graph.
					t.Need = NeedMod
				}
				if ws.Excluded(m, r.Version) {
					t.Skip = "excluded"
				} else if rep, ok := ws.Replacement(m, r.Version); ok {
					if rep.Local() {
						t.Skip = "local replace"
						t.Problem = missingDir(rep)
					} else {
						old := r.Version
						t.Required, t.Module = &old, rep.New
					}
				}
				t.Query = module.CanonicalVersion(t.Module.Version) != t.Module.Version
				t.SumFile = sumPath(m.Dir)
				attachSums(t, sumFile)
				add(t)
			}
			if ws.Work == "" {
				if tc := toolchainTarget(m.Go, m.GoPos, m.Toolchain, m.ToolPos, o.Env, platform); tc != nil {
					add(tc)
				}
			}
		}
		if ws.Work != "" {
			if tc := toolchainTarget(ws.Go, ws.GoPos, ws.Toolchain, ws.ToolPos, o.Env, platform); tc != nil {
				add(tc)
			}
		}
		// Modules needed only for their go.mod, from go.sum, with the
		// workspace's excludes and replaces applied: a line left over for
		// an excluded or locally replaced version names nothing the build
		// fetches.
		for j := range ws.Sums.Lines {
			l := &ws.Sums.Lines[j] // a pointer into the lines, not a copy each
			if !l.GoModOnly() {
				continue
			}
			v := module.Version{Path: l.Path, Version: strings.TrimSuffix(l.Version.Version, "/go.mod")}
			t := &Target{Module: v, Need: NeedMod, Indirect: true, Pos: l.Pos, ModSum: l, SumFile: l.Pos.File}
			t.GraphOnly = ws.Work == "" && Pruned(ws.Modules[0].Go)
			if m := ws.Modules[0]; ws.Excluded(m, v) {
				continue
			} else if rep, ok := ws.Replacement(m, v); ok {
				if rep.Local() {
					continue
				}
				old := v
				t.Required, t.Module, t.ModSum = &old, rep.New, nil
				attachSums(t, ws.Sums)
			}
			if _, ok := seen[key{t.Module, wsIndex}]; ok {
				continue
			}
			add(t)
		}
	}
	for _, t := range p.Targets {
		t.Shared = count[t.Module] > 1
		if !t.remote && !o.ForceRemote && t.Skip == "" {
			t.Skip = "vendor mode"
		}
		if !t.remote {
			t.Problem = "" // vendor/ holds the replacement's copy
		}
		if t.Skip == "" && o.Ignore != "" && module.MatchPrefixPatterns(o.Ignore, t.Module.Path) {
			t.Skip = "ignored"
		}
		t.Direct = !t.Toolchain && !o.Env.UsesProxy(t.Module.Path)
	}
	// Required modules first (in file order), then go.mod-only ones: a
	// stable partition, linear in a go.sum of any size.
	byNeed := make([]*Target, 0, len(p.Targets))
	for _, need := range []string{NeedZip, NeedMod} {
		for _, t := range p.Targets {
			if t.Need == need {
				byNeed = append(byNeed, t)
			}
		}
	}
	p.Targets = byNeed
	return p
}

// Pruned says whether a go.mod at this go version has a pruned module
// graph (go 1.17 and later): the go command loads the go.mod files of its
// requirements, not of theirs. No go line means before 1.17.
func Pruned(goVersion string) bool {
	return goVersion != "" && semver.Compare("v"+goVersion, "v1.17") >= 0
}

// missingDir says, in the go command's words, why a directory
// replacement cannot be used: "" when its go.mod is there.
func missingDir(r workspace.Replace) string {
	_, err := os.Stat(filepath.Join(r.Dir, "go.mod"))
	switch {
	case err == nil:
		return ""
	case !exists(r.Dir):
		return fmt.Sprintf("replacement directory %s does not exist (%s)", r.New.Path, r.Dir)
	}
	return fmt.Sprintf("replacement directory %s has no go.mod: %v", r.New.Path, err)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// workspaceSelected is, in workspace mode, the highest version of each
// module path that the used modules require (excluded versions aside):
// the version minimal version selection picks among the main modules'
// requirements. nil in module mode, where go.mod lists each path once.
func workspaceSelected(ws *workspace.Workspace) map[string]string {
	if ws.Work == "" {
		return nil
	}
	sel := map[string]string{}
	for _, m := range ws.Modules {
		for _, r := range m.Requires {
			if !semver.IsValid(r.Version.Version) || ws.Excluded(m, r.Version) {
				continue
			}
			if v, ok := sel[r.Path]; !ok || semver.Compare(r.Version.Version, v) > 0 {
				sel[r.Path] = r.Version.Version
			}
		}
	}
	return sel
}

func sumPath(dir string) string {
	if dir == "" || dir == "." {
		return "go.sum"
	}
	return dir + "/go.sum"
}

func attachSums(t *Target, s *workspace.Sums) {
	if l, ok := s.Zip(t.Module); ok {
		t.Sum = &l
	}
	if l, ok := s.Mod(t.Module); ok {
		t.ModSum = &l
	}
}

// toolchainTarget returns the toolchain module the go command would
// download, following cmd/go's toolchain.Select: the minimum is the local
// go for GOTOOLCHAIN=auto, path or local+mode, else the named toolchain;
// in auto and path mode go.mod's (go.work's in workspace mode) toolchain
// line, then its go line, raise it. Nothing is fetched when that is the
// local go: a line that asked for an older toolchain is listed as skipped
// so the report says why. In path mode the toolchain is looked up on PATH,
// never downloaded. With no local go known, the lines and name decide.
func toolchainTarget(goVersion string, goPos workspace.Pos, toolchain string, toolPos workspace.Pos, env *goenv.Env, platform string) *Target {
	local := env.GOVERSION
	name, mode, plus := strings.Cut(env.GOTOOLCHAIN, "+")
	want, pos := local, goPos
	switch {
	case !plus && (name == "auto" || name == "path"):
		mode = name
	case name != "local":
		want = name // a minimum with +auto/+path, exact without
	}
	asked, askedPos := "", toolPos // the newest toolchain a line asks for
	if (mode == "auto" || mode == "path") && toolchain != "default" {
		// "toolchain default" keeps the minimum, go line included.
		if toolchain != "" {
			asked = toolchain
			if cmpGo(toolchain, want) > 0 {
				want, pos = toolchain, toolPos
			}
		}
		if goLine := "go" + goVersion; goVersion != "" && cmpGo(goLine, "go1.21") >= 0 {
			if strings.Count(goVersion, ".") == 1 && !strings.ContainsAny(goVersion, "rcbeta") {
				goLine += ".0" // "go 1.21" means go1.21.0 to the go command
			}
			if cmpGo(goLine, asked) > 0 {
				asked, askedPos = goLine, goPos
			}
			if cmpGo(goLine, want) > 0 {
				want, pos = goLine, goPos
			}
		}
	}
	if want == "" || want == "local" {
		return nil
	}
	skip := ""
	if want == local {
		if asked == "" {
			return nil // nothing asked for, nothing fetched
		}
		want, pos, skip = asked, askedPos, fmt.Sprintf("local %s is not older", local)
	} else if mode == "path" {
		skip = "GOTOOLCHAIN=" + env.GOTOOLCHAIN + ": looked up on PATH, never downloaded"
	}
	return &Target{
		Module:    module.Version{Path: ToolchainModule, Version: "v0.0.1-" + want + "." + platform},
		Need:      NeedZip,
		Pos:       pos,
		Toolchain: true,
		Skip:      skip,
	}
}

// cmpGo compares go versions like "go1.22.4", "go1.23rc1"; "" is lowest.
func cmpGo(a, b string) int {
	return semver.Compare(goSemver(a), goSemver(b))
}

func goSemver(v string) string {
	v = strings.TrimPrefix(v, "go")
	if v == "" {
		return ""
	}
	for _, pre := range []string{"rc", "beta"} {
		if i := strings.Index(v, pre); i > 0 {
			v = v[:i] + "-" + v[i:]
		}
	}
	base, pre, _ := strings.Cut(v, "-")
	if strings.Count(base, ".") == 1 {
		base += ".0"
	}
	if pre != "" {
		return "v" + base + "-" + pre
	}
	return "v" + base
}
