// Package workspace reads what a build needs from go.mod, go.work, go.sum
// and vendor/modules.txt, keeping the file, line and column of every
// requirement so that reports can point at them.
package workspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	// Dir is a local replacement's directory, resolved against the file
	// the replace is in (a go.mod's or go.work's directory), as the go
	// command resolves it.
	Dir string
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

	// Lookup tables of Replaces and Excludes, built by the loader (a
	// Module built by hand is searched line by line).
	replaceIdx *replaceIndex
	excluded   map[module.Version]bool
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
	// modReplaces holds, in workspace mode, the replaces of every used
	// module: one table for the whole workspace, consulted after go.work's
	// own, as cmd/go's modload consults them.
	modReplaces []Replace
	// Lookup tables of Replaces and modReplaces, built by the loader.
	replaceIdx, modReplaceIdx *replaceIndex
	Sums                      *Sums
	// Vendored: vendor/modules.txt is present and consistent (go >= 1.14).
	Vendored bool
}

// Options says how a directory argument is resolved.
type Options struct {
	// GOWORK is the go command's GOWORK setting: "" or "auto" to look for
	// a go.work in the directory and its parents, "off" for module mode,
	// else the absolute path of the go.work to use.
	GOWORK string
}

// Load reads the go.mod or go.work that arg names (a file or a directory),
// with GOWORK unset.
func Load(arg string) (*Workspace, error) { return LoadWith(context.Background(), arg, Options{}) }

// LoadWith reads the go.mod or go.work that arg names. A file is read as
// named; a directory is where the go command would run, so its go.work or
// go.mod is found as the go command finds it (Find). Errors name the
// file, and the line wherever one applies. Reading stops with ctx's error
// when ctx ends first.
func LoadWith(ctx context.Context, arg string, o Options) (*Workspace, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, unwrapPathErr(err))
	}
	file := arg
	if fi.IsDir() {
		if file, err = Find(arg, o.GOWORK); err != nil {
			return nil, err
		}
	}
	if filepath.Base(file) == "go.work" || strings.HasSuffix(file, ".work") {
		// A directory in a module the workspace does not use still gets
		// the workspace's modules: `go list -m all` and `go mod download`
		// there work on them (only building its packages fails).
		return loadWork(ctx, file)
	}
	// Anything but a .mod file (as the go command's -modfile demands)
	// would be parsed as a go.mod, one "unknown directive" a line.
	if !strings.HasSuffix(file, ".mod") {
		if filepath.Base(file) == "go.sum" {
			return nil, fmt.Errorf("%s: a go.sum is read beside its go.mod: give the go.mod or its directory (%s)", file, filepath.Dir(file))
		}
		return nil, fmt.Errorf("%s: not a go.mod or go.work file: give a go.mod, a go.work or a directory holding one", file)
	}
	m, err := loadMod(file)
	if err != nil {
		return nil, err
	}
	ws := &Workspace{Root: file, Go: m.Go, GoPos: m.GoPos, Modules: []*Module{m}, Vendored: m.Vendored}
	ws.Sums, err = LoadSums(ctx, filepath.Join(m.Dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// LoadAll loads every argument, once each: two arguments that resolve to
// the same go.mod or go.work (". ." or a directory and its subdirectory)
// are one input, so that nothing is counted twice.
func LoadAll(ctx context.Context, args []string, o Options) ([]*Workspace, error) {
	var wss []*Workspace
	seen := map[string]bool{}
	for _, a := range args {
		ws, err := LoadWith(ctx, a, o)
		if err != nil {
			return nil, err
		}
		key := ws.Root
		if abs, err := filepath.Abs(key); err == nil {
			key = abs
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		wss = append(wss, ws)
	}
	return wss, nil
}

// Find returns the go.work or go.mod the go command uses when run in dir:
// with GOWORK unset (or "auto"), the nearest go.work in dir or a parent,
// else the nearest go.mod; with GOWORK=off the nearest go.mod; with GOWORK
// set to a path, that file. (cmd/go also stops the go.work search at
// GOROOT, which only matters for building Go itself.)
func Find(dir, gowork string) (string, error) {
	switch gowork {
	case "off":
	case "", "auto":
		if f := walkUp(dir, "go.work"); f != "" {
			return f, nil
		}
	default:
		if !filepath.IsAbs(gowork) {
			return "", errors.New("invalid GOWORK: not an absolute path")
		}
		return gowork, nil
	}
	if f := walkUp(dir, "go.mod"); f != "" {
		return f, nil
	}
	return "", fmt.Errorf("%s: no go.mod or go.work found in the directory or any parent directory", dir)
}

// walkUp returns the first dir/name, dir's parent/name, ... that is a
// file, or "". A file in dir itself keeps dir's spelling ("go.mod" for
// "."), so that reports name it as the user did; a parent's is absolute.
func walkUp(dir, name string) string {
	dir = filepath.Clean(dir)
	if f := filepath.Join(dir, name); isFile(f) {
		return f
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for {
		if f := filepath.Join(dir, name); isFile(f) {
			return f
		}
		d := filepath.Dir(dir)
		if d == dir {
			return ""
		}
		dir = d
	}
}

// errNotRegular refuses an input that is a named pipe, a device or a
// directory: reading /dev/zero or a FIFO nobody writes to would grow
// memory or hang, and no go command input is one.
var errNotRegular = errors.New("not a regular file")

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.Type().String()
}

// readRegular reads an input file (go.mod, go.work, go.sum,
// vendor/modules.txt) after checking that it is a regular file (a
// symbolic link to one is fine), and checks again on the open file so
// that it cannot be swapped in between.
func readRegular(file string) ([]byte, error) {
	f, size, err := openRegular(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, size+1))
}

// openRegular opens an input file after checking, before and after the
// open, that it is a regular file; it returns the file's size.
func openRegular(file string) (*os.File, int64, error) {
	if fi, err := os.Stat(file); err != nil {
		return nil, 0, err
	} else if !fi.Mode().IsRegular() {
		return nil, 0, &fs.PathError{Op: "read", Path: file, Err: fmt.Errorf("%w (%s)", errNotRegular, fileKind(fi.Mode()))}
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "read", Path: file, Err: fmt.Errorf("%w (%s)", errNotRegular, fileKind(fi.Mode()))}
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// readText reads a regular file as readRegular does, into one string
// with no second copy, a megabyte at a time, and stops with ctx's error
// when ctx ends first.
func readText(ctx context.Context, file string) (string, error) {
	f, size, err := openRegular(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	b.Grow(int(size))
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("reading stopped after %d of %d bytes: %w", b.Len(), size, context.Cause(ctx))
		}
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err == io.EOF || int64(b.Len()) > size {
			return b.String(), nil // a file that grew is read to its size and a little
		}
		if err != nil {
			return "", err
		}
	}
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func loadMod(file string) (*Module, error) {
	data, err := readRegular(file)
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
		m.Replaces = append(m.Replaces, Replace{Old: r.Old, New: r.New, Pos: argPos(file, r.Syntax, data), Dir: localDir(m.Dir, r.New)})
	}
	for _, x := range f.Exclude {
		m.Excludes = append(m.Excludes, Require{Version: x.Mod, Pos: argPos(file, x.Syntax, data)})
	}
	if m.Vendored, err = vendorConsistent(m.Dir, m.Go, m.Requires); err != nil {
		return nil, err
	}
	if err := m.index(); err != nil {
		return nil, err
	}
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

func loadWork(ctx context.Context, file string) (*Workspace, error) {
	data, err := readRegular(file)
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
		ws.Replaces = append(ws.Replaces, Replace{Old: r.Old, New: r.New, Pos: pos(file, r.Syntax), Dir: localDir(dir, r.New)})
	}
	if ws.modReplaces, err = workspaceReplaces(ws); err != nil {
		return nil, err
	}
	if ws.replaceIdx, err = indexReplaces(ws.Replaces); err != nil {
		return nil, err
	}
	if ws.modReplaceIdx, err = indexReplaces(ws.modReplaces); err != nil {
		return nil, err
	}
	// A workspace's sums: each module's go.sum, then go.work.sum.
	ws.Sums = &Sums{}
	for _, m := range ws.Modules {
		s, err := LoadSums(ctx, filepath.Join(m.Dir, "go.sum"))
		if err != nil {
			return nil, err
		}
		ws.Sums.merge(s)
	}
	s, err := LoadSums(ctx, filepath.Join(dir, "go.work.sum"))
	if err != nil {
		return nil, err
	}
	ws.Sums.merge(s)
	// Workspace vendoring (go 1.22+) keeps vendor/ beside go.work.
	if semver.Compare("v"+ws.Go, "v1.22") >= 0 {
		if ws.Vendored, err = vendorConsistent(dir, ws.Go, reqs); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// localDir is a directory replacement's directory, relative paths taken
// from dir; "" for a module replacement.
func localDir(dir string, n module.Version) string {
	if n.Version != "" {
		return ""
	}
	if filepath.IsAbs(n.Path) {
		return filepath.Clean(n.Path)
	}
	return filepath.Join(dir, filepath.FromSlash(n.Path))
}

// workspaceReplaces merges the used modules' replaces as cmd/go's
// modload does in workspace mode: a path go.work replaces (at any
// version) ignores every module's replace of it; otherwise each module's
// replaces apply to the whole workspace, and two modules replacing the
// same module version differently is an error.
func workspaceReplaces(ws *Workspace) ([]Replace, error) {
	byWork := map[string]bool{}
	for _, r := range ws.Replaces {
		byWork[r.Old.Path] = true
	}
	var out []Replace
	at := map[module.Version]int{}
	for _, m := range ws.Modules {
		own := map[module.Version]bool{}
		for _, r := range m.Replaces {
			// A path go.work replaces (at any version) is left out of the
			// consistency check, as cmd/go leaves it out, but the module's
			// line still applies to versions go.work's lines do not match
			// (cmd/go's replacementFrom looks in go.work, then in every
			// module's own replaces).
			if i, ok := at[r.Old]; ok && !own[r.Old] && !byWork[r.Old.Path] {
				prev := out[i]
				if prev.New.Version != r.New.Version || replacedBy(prev) != replacedBy(r) {
					return nil, fmt.Errorf("%s:%d: conflicting replacements for %s:\n\t%s (%s)\n\t%s (%s)\nuse \"go work edit -replace %s=[override]\" to resolve",
						r.Pos.File, r.Pos.Line, r.Old.String(), module.Version{Path: replacedBy(prev), Version: prev.New.Version}.String(), posLine(prev.Pos),
						module.Version{Path: replacedBy(r), Version: r.New.Version}.String(), posLine(r.Pos), r.Old.String())
				}
			}
			own[r.Old] = true
			if i, ok := at[r.Old]; ok {
				out[i] = r // the last replace of one go.mod wins
				continue
			}
			at[r.Old] = len(out)
			out = append(out, r)
		}
	}
	return out, nil
}

// replacedBy is what a replacement names: the module path, or for a
// directory its resolved location (the same string in two go.mod files
// may name two directories).
func replacedBy(r Replace) string {
	if r.Local() {
		return r.Dir
	}
	return r.New.Path
}

func posLine(p Pos) string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Replacement returns the replace that applies to v in module m of the
// workspace, as the go command chooses it: go.work's replaces first; then,
// in workspace mode, the merged replaces of every used module, in module
// mode m's own; within a list an exact version before a wildcard.
func (ws *Workspace) Replacement(m *Module, v module.Version) (Replace, bool) {
	mod, modIdx := m.Replaces, m.replaceIdx
	if ws.Work != "" {
		mod, modIdx = ws.modReplaces, ws.modReplaceIdx
	}
	if r, ok := findReplace(ws.Replaces, ws.replaceIdx, v); ok {
		return r, true
	}
	return findReplace(mod, modIdx, v)
}

// findReplace returns the first replacement in list of exactly v, else
// the last of v's whole path. With an index it is one lookup: a go.mod
// of many replace lines must not make planning quadratic.
func findReplace(list []Replace, idx *replaceIndex, v module.Version) (Replace, bool) {
	if idx != nil {
		if i, ok := idx.exact[v]; ok {
			return list[i], true
		}
		if i, ok := idx.wild[v.Path]; ok {
			return list[i], true
		}
		return Replace{}, false
	}
	var wild *Replace
	for i, r := range list {
		if r.Old.Path != v.Path {
			continue
		}
		if r.Old.Version == v.Version {
			return r, true
		}
		if r.Old.Version == "" {
			wild = &list[i]
		}
	}
	if wild != nil {
		return *wild, true
	}
	return Replace{}, false
}

// replaceIndex locates a list's replacements: the first line for each
// exact module version, the last for each whole path.
type replaceIndex struct {
	exact map[module.Version]int
	wild  map[string]int
}

// indexReplaces indexes one file's replace lines; two lines replacing
// the same module (or version) by different ones are the go command's
// "conflicting replacements" error.
func indexReplaces(list []Replace) (*replaceIndex, error) {
	x := &replaceIndex{exact: make(map[module.Version]int, len(list)), wild: map[string]int{}}
	for i, r := range list {
		if r.Old.Version == "" {
			if j, ok := x.wild[r.Old.Path]; ok && list[j].New != r.New {
				return nil, conflicting(list[j], r)
			}
			x.wild[r.Old.Path] = i
			continue
		}
		if j, ok := x.exact[r.Old]; ok {
			if list[j].New != r.New {
				return nil, conflicting(list[j], r)
			}
			continue
		}
		x.exact[r.Old] = i
	}
	return x, nil
}

func conflicting(a, b Replace) error {
	return fmt.Errorf("%s:%d: conflicting replacements for %s:\n\t%s\n\t%s", b.Pos.File, b.Pos.Line, a.Old.String(), a.New.String(), b.New.String())
}

// index builds the module's lookup tables once its lines are read.
func (m *Module) index() error {
	var err error
	if m.replaceIdx, err = indexReplaces(m.Replaces); err != nil {
		return err
	}
	m.excluded = make(map[module.Version]bool, len(m.Excludes))
	for _, x := range m.Excludes {
		m.excluded[x.Version] = true
	}
	return nil
}

// Excluded reports whether v is excluded: in workspace mode by any used
// module's go.mod, as cmd/go's CheckExclusions does; in module mode by m's.
func (ws *Workspace) Excluded(m *Module, v module.Version) bool {
	mods := []*Module{m}
	if ws.Work != "" {
		mods = ws.Modules
	}
	for _, mm := range mods {
		if mm.excluded != nil {
			if mm.excluded[v] {
				return true
			}
			continue
		}
		for _, x := range mm.Excludes {
			if x.Version == v {
				return true
			}
		}
	}
	return false
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
// A modules.txt that is not a regular file is an error.
func vendorConsistent(dir, goVersion string, reqs []Require) (bool, error) {
	if goVersion == "" || semver.Compare("v"+goVersion, "v1.14") < 0 {
		return false, nil
	}
	file := filepath.Join(dir, "vendor", "modules.txt")
	data, err := readRegular(file)
	if errors.Is(err, errNotRegular) {
		return false, fmt.Errorf("%s: %w", file, unwrapPathErr(err))
	}
	if err != nil {
		return false, nil
	}
	listed := map[module.Version]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && semver.IsValid(f[2]) {
			listed[module.Version{Path: f[1], Version: f[2]}] = true
		}
	}
	for _, r := range reqs {
		if !listed[r.Version] {
			return false, nil
		}
	}
	return true, nil
}

func isFile(p string) bool { fi, err := os.Stat(p); return err == nil && !fi.IsDir() }
