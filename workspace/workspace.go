// Package workspace reads what a build needs from go.mod, go.work, go.sum
// and vendor/modules.txt, keeping the file, line and column of every
// requirement so that reports can point at them.
package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Pos is a place in an input file. Col is 1-based, in runes.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Require is one requirement of a main module.
type Require struct {
	module.Version
	Indirect bool
	Pos      Pos
}

// Replace maps a module (any version when Old.Version is "") to another
// module version, or to a directory when New.Version is "".
type Replace struct {
	Old, New module.Version
	Pos      Pos
}

// Local reports whether the replacement is a directory.
func (r Replace) Local() bool { return r.New.Version == "" }

// Module is one main module.
type Module struct {
	File      string // path of go.mod as the user named it
	Dir       string
	Path      string
	Go        string
	GoPos     Pos
	Toolchain string
	ToolPos   Pos
	Requires  []Require
	Replaces  []Replace
	Excludes  []Require
	// Vendored is true when vendor/modules.txt lists every requirement.
	Vendored bool
}

// Workspace is everything one PATH argument names: a go.mod, or a go.work
// and the modules it uses.
type Workspace struct {
	Root string // go.mod or go.work path
	Work string // go.work path, "" for a single module
	// Go and Toolchain are go.work's lines; in workspace mode they, not
	// the modules' own, decide the toolchain.
	Go        string
	GoPos     Pos
	Toolchain string
	ToolPos   Pos
	Modules   []*Module
	// Replaces holds go.work replaces (which win over modules' own).
	Replaces []Replace
	Sums     *Sums
	// Vendored: vendor/modules.txt is present and consistent (go >= 1.14).
	Vendored bool
}

// Load reads the go.mod or go.work that arg names (a file or a directory).
// Errors name the file, and the line wherever one applies.
func Load(arg string) (*Workspace, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, unwrapPathErr(err))
	}
	file := arg
	if fi.IsDir() {
		switch {
		case exists(filepath.Join(arg, "go.work")):
			file = filepath.Join(arg, "go.work")
		case exists(filepath.Join(arg, "go.mod")):
			file = filepath.Join(arg, "go.mod")
		default:
			return nil, fmt.Errorf("%s: no go.mod or go.work found", arg)
		}
	}
	if filepath.Base(file) == "go.work" || strings.HasSuffix(file, ".work") {
		return loadWork(file)
	}
	m, err := loadMod(file)
	if err != nil {
		return nil, err
	}
	ws := &Workspace{Root: file, Go: m.Go, GoPos: m.GoPos, Modules: []*Module{m}, Vendored: m.Vendored}
	ws.Sums, err = LoadSums(filepath.Join(m.Dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	return ws, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func loadMod(file string) (*Module, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPathErr(err))
	}
	var q queries
	f, err := modfile.Parse(file, data, q.fix)
	if err != nil {
		return nil, err // modfile errors read "file:line: message"
	}
	for _, r := range f.Require {
		r.Mod.Version = q.raw(r.Mod.Version)
	}
	for _, x := range f.Exclude {
		x.Mod.Version = q.raw(x.Mod.Version)
	}
	for _, r := range f.Replace {
		r.Old.Version, r.New.Version = q.raw(r.Old.Version), q.raw(r.New.Version)
	}
	if f.Module == nil {
		return nil, fmt.Errorf("%s: no module declaration", file)
	}
	m := &Module{File: file, Dir: filepath.Dir(file), Path: f.Module.Mod.Path}
	if f.Go != nil {
		m.Go, m.GoPos = f.Go.Version, pos(file, f.Go.Syntax)
	}
	if f.Toolchain != nil {
		m.Toolchain, m.ToolPos = f.Toolchain.Name, pos(file, f.Toolchain.Syntax)
	}
	for _, r := range f.Require {
		m.Requires = append(m.Requires, Require{Version: r.Mod, Indirect: r.Indirect, Pos: argPos(file, r.Syntax, data)})
	}
	for _, r := range f.Replace {
		m.Replaces = append(m.Replaces, Replace{Old: r.Old, New: r.New, Pos: argPos(file, r.Syntax, data)})
	}
	for _, x := range f.Exclude {
		m.Excludes = append(m.Excludes, Require{Version: x.Mod, Pos: argPos(file, x.Syntax, data)})
	}
	m.Vendored = vendorConsistent(m.Dir, m.Go, m.Requires)
	return m, nil
}

// queries keeps non-canonical versions (v1.2, master) as written: to the
// go command they are queries it resolves, not syntax errors, while
// modfile, given no fixer, canonicalises v1.2 to v1.2.0 and rejects
// master. modfile still checks a fixed version against the path's major
// version, so fix hands it a placeholder of the right major that raw
// turns back into the version as written.
type queries map[string]string

func (q *queries) fix(path, v string) (string, error) {
	if module.CanonicalVersion(v) == v {
		return v, nil
	}
	_, major, ok := module.SplitPathVersion(path)
	if !ok {
		return "", fmt.Errorf("invalid module path %q", path)
	}
	if major = module.PathMajorPrefix(major); major == "" {
		major = "v0"
	}
	if *q == nil {
		*q = queries{}
	}
	ph := fmt.Sprintf("%s.0.0-query.%d", major, len(*q)+1)
	(*q)[ph] = v
	return ph, nil
}

func (q queries) raw(v string) string {
	if r, ok := q[v]; ok {
		return r
	}
	return v
}

func loadWork(file string) (*Workspace, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPathErr(err))
	}
	var q queries
	wf, err := modfile.ParseWork(file, data, q.fix)
	if err != nil {
		return nil, err
	}
	for _, r := range wf.Replace {
		r.Old.Version, r.New.Version = q.raw(r.Old.Version), q.raw(r.New.Version)
	}
	dir := filepath.Dir(file)
	ws := &Workspace{Root: file, Work: file}
	if wf.Go != nil {
		ws.Go, ws.GoPos = wf.Go.Version, pos(file, wf.Go.Syntax)
	}
	if wf.Toolchain != nil {
		ws.Toolchain, ws.ToolPos = wf.Toolchain.Name, pos(file, wf.Toolchain.Syntax)
	}
	var reqs []Require
	for _, u := range wf.Use {
		modFile := filepath.Join(dir, filepath.FromSlash(u.Path), "go.mod")
		if filepath.IsAbs(u.Path) {
			modFile = filepath.Join(u.Path, "go.mod")
		}
		m, err := loadMod(modFile)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				p := pos(file, u.Syntax)
				return nil, fmt.Errorf("%s:%d: use %s: no go.mod found", file, p.Line, u.Path)
			}
			return nil, err
		}
		ws.Modules = append(ws.Modules, m)
		reqs = append(reqs, m.Requires...)
	}
	for _, r := range wf.Replace {
		ws.Replaces = append(ws.Replaces, Replace{Old: r.Old, New: r.New, Pos: pos(file, r.Syntax)})
	}
	// A workspace's sums: each module's go.sum, then go.work.sum.
	ws.Sums = &Sums{}
	for _, m := range ws.Modules {
		s, err := LoadSums(filepath.Join(m.Dir, "go.sum"))
		if err != nil {
			return nil, err
		}
		ws.Sums.merge(s)
	}
	s, err := LoadSums(filepath.Join(dir, "go.work.sum"))
	if err != nil {
		return nil, err
	}
	ws.Sums.merge(s)
	// Workspace vendoring (go 1.22+) keeps vendor/ beside go.work.
	ws.Vendored = semver.Compare("v"+ws.Go, "v1.22") >= 0 && vendorConsistent(dir, ws.Go, reqs)
	return ws, nil
}

func pos(file string, l *modfile.Line) Pos {
	if l == nil {
		return Pos{File: file}
	}
	col := l.Start.LineRune
	if col == 0 {
		col = 1
	}
	return Pos{File: file, Line: l.Start.Line, Col: col}
}

// argPos is the position of a directive's first argument: in a one-line
// "require path v1.2.3" the module path, not the keyword, so that
// annotations point at the module. In a block the line starts with it.
func argPos(file string, l *modfile.Line, data []byte) Pos {
	p := pos(file, l)
	if l == nil || len(l.Token) < 2 || l.InBlock {
		return p
	}
	rest := data[l.Start.Byte:]
	verb := []byte(l.Token[0])
	if !bytes.HasPrefix(rest, verb) {
		return p
	}
	i := len(verb)
	for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
		i++
	}
	p.Col += utf8.RuneCount(rest[:i])
	return p
}

// vendorConsistent reports whether dir/vendor/modules.txt exists under go >=
// 1.14 semantics and records every requirement at its version, which is
// when the go command builds from vendor/ by default.
func vendorConsistent(dir, goVersion string, reqs []Require) bool {
	if goVersion == "" || semver.Compare("v"+goVersion, "v1.14") < 0 {
		return false
	}
	data, err := os.ReadFile(filepath.Join(dir, "vendor", "modules.txt"))
	if err != nil {
		return false
	}
	listed := map[module.Version]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && semver.IsValid(f[2]) {
			listed[module.Version{Path: f[1], Version: f[2]}] = true
		}
	}
	for _, r := range reqs {
		if !listed[r.Version] {
			return false
		}
	}
	return true
}
