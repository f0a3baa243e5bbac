package report

import (
	"bufio"
	"bytes"
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
//
// The modules, most of a large report, are encoded one at a time as they
// are written, so that memory does not hold the whole encoded report.
func JSON(w io.Writer, r *Report) error {
	head := *r
	head.Modules = nil
	compact, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	in := indenter{w: bw, null: func(key string, depth int) (bool, error) {
		if key != "modules" || depth != 1 || r.Modules == nil {
			return false, nil
		}
		if len(r.Modules) == 0 {
			bw.WriteString("[]")
			return true, nil
		}
		bw.WriteByte('[')
		for i := range r.Modules {
			m, err := json.Marshal(&r.Modules[i])
			if err != nil {
				return false, err
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			in := indenter{w: bw, depth: depth + 1}
			in.newline()
			if err := in.write(m); err != nil {
				return false, err
			}
		}
		in := indenter{w: bw, depth: depth}
		in.newline()
		bw.WriteByte(']')
		return true, nil
	}}
	if err := in.write(compact); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

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
	if err := (&indenter{w: bw}).write(compact); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// indenter writes compact JSON (json.Marshal's output: no white space
// outside strings) as json.Indent(dst, src, "", "  ") would.
type indenter struct {
	w     *bufio.Writer
	depth int
	// null, when set, may write the value of an object member that is
	// null in src instead (true: written, the null is skipped).
	null func(key string, depth int) (bool, error)
}

func (in *indenter) newline() {
	in.w.WriteByte('\n')
	for range in.depth {
		in.w.WriteString("  ")
	}
}

func (in *indenter) write(src []byte) error {
	w := in.w
	inString, escaped := false, false
	key := 0 // where the last string began
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
			inString, key = true, i
			w.WriteByte(c)
		case '{', '[':
			w.WriteByte(c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				w.WriteByte(src[i+1]) // empty: "{}" and "[]" stay on one line
				i++
				continue
			}
			in.depth++
			in.newline()
		case '}', ']':
			in.depth--
			in.newline()
			w.WriteByte(c)
		case ',':
			w.WriteByte(c)
			in.newline()
		case ':':
			w.WriteString(": ")
			if in.null != nil && bytes.HasPrefix(src[i+1:], []byte("null")) {
				var name string
				if err := json.Unmarshal(src[key:i], &name); err != nil {
					return err
				}
				done, err := in.null(name, in.depth)
				if err != nil {
					return err
				}
				if done {
					i += len("null")
				}
			}
		default:
			w.WriteByte(c)
		}
	}
	return nil
}
