package explain

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"unicode/utf8"
)

// MaxLine is the longest log line kept, in bytes. The go command's error
// lines are far shorter; a longer line (a minified blob, a binary dump) is
// cut here and the rest of it skipped, so that memory stays bounded
// whatever the log holds.
const MaxLine = 64 << 10

// ansi matches the terminal escapes CI runners and coloured tools leave in
// logs: CSI sequences (colours, cursor moves) and OSC sequences (titles,
// hyperlinks).
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]`)

// ciPrefix matches what CI systems put before each line of a command's
// output: a GitHub Actions or GitLab timestamp, the ##[error] / ::error::
// markers, and a BuildKit step prefix ("#12 3.456 ").
var ciPrefix = regexp.MustCompile(`^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?)?(?:##\[(?:error|warning|group|endgroup)\]|::(?:error|warning)[^:]*::)?(?:#\d+ \d+\.\d+ )?`)

// lines calls fn with each line of r, cleaned: CR, ANSI escapes and CI
// prefixes removed, invalid UTF-8 replaced, cut at MaxLine. n counts
// lines from 1. It stops at the first error of r or of fn.
func lines(r io.Reader, fn func(n int, line string) error) error {
	br := bufio.NewReaderSize(r, MaxLine)
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		line := chunk
		long := errors.Is(err, bufio.ErrBufferFull)
		if long {
			// Keep the first MaxLine bytes and skip to the line's end
			// without holding it.
			line = append([]byte(nil), chunk...)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if len(line) > 0 {
			n++
			if ferr := fn(n, clean(line)); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
	}
}

// clean turns one raw line into the text the go command printed.
func clean(b []byte) string {
	b = bytes.TrimRight(b, "\r\n")
	if bytes.IndexByte(b, 0x1b) >= 0 {
		b = ansi.ReplaceAll(b, nil)
	}
	// A progress bar redraws with CR: the last redraw is what was shown.
	if i := bytes.LastIndexByte(b, '\r'); i >= 0 {
		b = b[i+1:]
	}
	if len(b) > 0 && (b[0] == '#' || b[0] == ':' || (b[0] >= '0' && b[0] <= '9')) {
		b = b[len(ciPrefix.Find(b)):]
	}
	if !utf8.Valid(b) {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(b)
}
