package workspace

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/module"
)

// Sum is one go.sum line.
type Sum struct {
	module.Version // Version ends in "/go.mod" for a go.mod hash
	Hash           string
	Pos            Pos
}

// GoModOnly reports whether the line hashes only the module's go.mod.
func (s Sum) GoModOnly() bool { return strings.HasSuffix(s.Version.Version, "/go.mod") }

// Sums holds go.sum lines by module version ("v1.2.3" or "v1.2.3/go.mod").
type Sums struct {
	Lines []Sum
	index map[module.Version]int
}

// LoadSums reads a go.sum file; a missing file is an empty set.
func LoadSums(file string) (*Sums, error) {
	s := &Sums{index: map[module.Version]int{}}
	data, err := readRegular(file)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPathErr(err))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: malformed go.sum line: want module, version and hash", file, n)
		}
		if !strings.HasPrefix(f[2], "h1:") {
			// The go command skips hash kinds it does not know.
			continue
		}
		// Only the field count is checked, as the go command's readGoSum
		// does: a line it would never look up is carried, not an error.
		v := module.Version{Path: f[0], Version: f[1]}
		s.add(Sum{Version: v, Hash: f[2], Pos: Pos{File: file, Line: n, Col: 1}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return s, nil
}

func (s *Sums) add(l Sum) {
	if s.index == nil {
		s.index = map[module.Version]int{}
	}
	if _, ok := s.index[l.Version]; ok {
		// The first h1 line decides: cmd/go's haveModSumLocked reports a
		// mismatch at the first line that differs, whatever follows.
		return
	}
	s.index[l.Version] = len(s.Lines)
	s.Lines = append(s.Lines, l)
}

func (s *Sums) merge(o *Sums) {
	for _, l := range o.Lines {
		s.add(l)
	}
}

// Zip returns the go.sum line for the module's zip.
func (s *Sums) Zip(m module.Version) (Sum, bool) { return s.get(m) }

// Mod returns the go.sum line for the module's go.mod.
func (s *Sums) Mod(m module.Version) (Sum, bool) {
	return s.get(module.Version{Path: m.Path, Version: m.Version + "/go.mod"})
}

func (s *Sums) get(v module.Version) (Sum, bool) {
	i, ok := s.index[v]
	if !ok {
		return Sum{}, false
	}
	return s.Lines[i], true
}
