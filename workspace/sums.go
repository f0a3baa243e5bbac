package workspace

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

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

// LoadSums reads a go.sum file; a missing file is an empty set. It stops
// with ctx's error when ctx ends first: a go.sum of a hostile pull request
// can be large enough to outlast the run's deadline.
func LoadSums(ctx context.Context, file string) (*Sums, error) {
	s := &Sums{index: map[module.Version]int{}}
	// One string for the file: every field kept is a substring of it, so
	// memory is the file's size plus a fixed amount per line kept. (Sizing
	// the table from the count of lines let a go.sum of empty lines claim
	// gigabytes.)
	text, err := readText(ctx, file)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, unwrapPathErr(err))
	}
	// Sized once, for the lines that can be kept: each has an "h1:" hash
	// and, read as real go.sum lines are, at least 48 bytes, so that a
	// file of empty or tiny lines claims no more than it holds.
	if n := min(strings.Count(text, " h1:"), len(text)/48); n > 0 {
		s.Lines = make([]Sum, 0, n)
		s.index = make(map[module.Version]int, n)
	}
	for n := 1; text != ""; n++ {
		if n%sumsCheckEvery == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("%s:%d: reading stopped: %w", file, n, context.Cause(ctx))
		}
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		f, count := fields3(line)
		if count == 0 {
			continue
		}
		if count != 3 {
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
	return s, nil
}

// sumsCheckEvery is how many go.sum lines are read between looks at the
// context: a few milliseconds of work.
const sumsCheckEvery = 1 << 12

// fields3 splits line as strings.Fields does, without allocating: the
// first three fields, and how many there are (4 meaning "more than 3").
func fields3(line string) (f [3]string, count int) {
	for i := 0; i < len(line) && count < 4; {
		if n := spaceAt(line, i); n > 0 {
			i += n
			continue
		}
		start := i
		for i < len(line) && spaceAt(line, i) == 0 {
			i++
		}
		if count < 3 {
			f[count] = line[start:i]
		}
		count++
	}
	return f, count
}

// spaceAt is the length of the white space (unicode.IsSpace) starting at
// line[i], or 0.
func spaceAt(line string, i int) int {
	if c := line[i]; c < utf8.RuneSelf {
		if asciiSpace[c] {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRuneInString(line[i:])
	if unicode.IsSpace(r) {
		return n
	}
	return 0
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

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
