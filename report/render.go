package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Renderer writes a report in one format.
type Renderer func(w io.Writer, r *Report) error

var renderers = map[string]Renderer{
	"text":       Text,
	"json":       JSON,
	"prometheus": Prometheus,
	"github":     GitHub,
	"markdown":   Markdown,
	"sarif":      SARIF,
	"junit":      JUnit,
}

// Formats lists the formats, sorted.
func Formats() []string {
	var names []string
	for n := range renderers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the renderer for a format name.
func Lookup(format string) (Renderer, error) {
	f, ok := renderers[format]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (want one of %v)", format, Formats())
	}
	if format == "text" {
		return Capped(f), nil
	}
	return f, nil
}

// JSON writes the report of contract §6.
func JSON(w io.Writer, r *Report) error { return writeIndented(w, r) }

// writeIndented writes v as json.Encoder with SetIndent("", "  ") does,
// but indents as it writes: the encoder indents into one more buffer the
// size of the output, whose growth cost seconds and hundreds of
// megabytes for a report of a few hundred thousand modules.
func writeIndented(w io.Writer, v any) error {
	compact, err := json.Marshal(v)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	indentJSON(bw, compact)
	bw.WriteByte('\n')
	return bw.Flush()
}

// indentJSON writes compact JSON (json.Marshal's output: no white space
// outside strings) as json.Indent(dst, src, "", "  ") would.
func indentJSON(w *bufio.Writer, src []byte) {
	depth, inString, escaped := 0, false, false
	newline := func() {
		w.WriteByte('\n')
		for range depth {
			w.WriteString("  ")
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			w.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			w.WriteByte(c)
		case '{', '[':
			w.WriteByte(c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				w.WriteByte(src[i+1]) // empty: "{}" and "[]" stay on one line
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			w.WriteByte(c)
		case ',':
			w.WriteByte(c)
			newline()
		case ':':
			w.WriteString(": ")
		default:
			w.WriteByte(c)
		}
	}
}
