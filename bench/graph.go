package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// graph is one benchmark input: a main module's go.mod and the module
// versions a build of it fetches.
type graph struct {
	name  string
	gomod []byte
	// fetched are the module versions the proxy serves for it (after
	// replacements), each once.
	fetched []module.Version
}

// projectGraph reads a public project's go.mod from testdata and makes it
// buildable against the synthesising proxy with the local go:
// local-directory replacements are dropped (their requires are then
// synthesised like any module), toolchain, godebug and tool lines are
// dropped, and a go line newer than goVersion is lowered to it.
func projectGraph(file, goVersion string) (*graph, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		return nil, err
	}
	if f.Module == nil {
		return nil, fmt.Errorf("%s: no module line", file)
	}
	nf := &modfile.File{}
	if err := nf.AddModuleStmt(f.Module.Mod.Path); err != nil {
		return nil, err
	}
	if f.Go != nil {
		v := f.Go.Version
		if goVersion != "" && semver.Compare("v"+v, "v"+goVersion) > 0 {
			v = goVersion
		}
		if err := nf.AddGoStmt(v); err != nil {
			return nil, err
		}
	}
	for _, r := range f.Require {
		nf.AddNewRequire(r.Mod.Path, r.Mod.Version, r.Indirect)
	}
	for _, x := range f.Exclude {
		if err := nf.AddExclude(x.Mod.Path, x.Mod.Version); err != nil {
			return nil, err
		}
	}
	repl := map[module.Version]module.Version{}
	for _, r := range f.Replace {
		if r.New.Version == "" {
			continue // a directory
		}
		if err := nf.AddReplace(r.Old.Path, r.Old.Version, r.New.Path, r.New.Version); err != nil {
			return nil, err
		}
		repl[r.Old] = r.New
	}
	nf.Cleanup()
	g := &graph{name: strings.TrimSuffix(filepath.Base(file), ".mod"), gomod: modfile.Format(nf.Syntax)}
	seen := map[module.Version]bool{}
	for _, r := range f.Require {
		m := r.Mod
		if n, ok := repl[m]; ok {
			m = n
		} else if n, ok := repl[module.Version{Path: m.Path}]; ok {
			m = n
		}
		if !seen[m] {
			seen[m] = true
			g.fetched = append(g.fetched, m)
		}
	}
	return g, nil
}

// syntheticGraph is a main module requiring n distinct module versions.
func syntheticGraph(n int) *graph {
	g := &graph{name: fmt.Sprintf("synthetic-%d", n)}
	var b strings.Builder
	b.WriteString("module bench.example/main\n\ngo 1.21\n\nrequire (\n")
	for i := 0; i < n; i++ {
		m := module.Version{
			Path:    fmt.Sprintf("bench.example/g%02d/m%05d", i%50, i),
			Version: fmt.Sprintf("v1.%d.%d", i%13, i%7),
		}
		g.fetched = append(g.fetched, m)
		fmt.Fprintf(&b, "\t%s %s\n", m.Path, m.Version)
	}
	b.WriteString(")\n")
	g.gomod = []byte(b.String())
	return g
}

// gosum is the complete go.sum of g as served by p.
func (g *graph) gosum(p *proxy) ([]byte, error) {
	lines := make([]string, 0, len(g.fetched))
	for _, m := range g.fetched {
		s, err := p.sum(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", g.name, err)
		}
		lines = append(lines, s)
	}
	sort.Strings(lines)
	return []byte(strings.Join(lines, "")), nil
}
