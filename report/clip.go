package report

import (
	"bytes"
	"fmt"
	"io"
	"reflect"

	"github.com/gopreflight/gopreflight/textguard"
)

// Bounds on what a report holds and prints. Servers, go.mod files and
// the environment supply most of its text; none of it may grow an
// output out of proportion to its input, hide a secret in an echo, or
// drive a terminal.
const (
	// MaxField bounds each string of the report model (a detail, a
	// path, a URL); a longer one ends in "… cut N bytes".
	MaxField = 4 << 10
	// MaxCell bounds a cell of a text table, whose columns are as wide
	// as their widest cell: one long module path must not pad every row.
	MaxCell = 160
	// MaxMessage bounds one SARIF result's message or one JUnit failure.
	MaxMessage = 2 << 10
	// MaxOutput bounds a whole line-oriented output (text, github): past
	// it, one line says the rest was cut and where to find it.
	MaxOutput = 8 << 20
)

// Sanitize makes every string of r safe to store and print, once, when
// the model is built: redact (known secrets and URL credentials) first,
// then control characters escaped, then clipped to MaxField. It walks the
// model by reflection so that a field added later is covered too.
func Sanitize(r *Report, redact func(string) string) {
	clean := func(s string) string {
		if redact != nil {
			s = redact(s)
		}
		return textguard.Clip(textguard.Escape(s), MaxField)
	}
	sanitizeValue(reflect.ValueOf(r).Elem(), clean)
}

func sanitizeValue(v reflect.Value, clean func(string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			if s := v.String(); s != "" {
				if c := clean(s); c != s {
					v.SetString(c)
				}
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			sanitizeValue(v.Elem(), clean)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				sanitizeValue(v.Field(i), clean)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			sanitizeValue(v.Index(i), clean)
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.String || v.Type().Key().Kind() != reflect.String {
			return // counts keyed by cause code: nothing supplied
		}
		iter := v.MapRange()
		type kv struct{ k, v reflect.Value }
		var set []kv
		for iter.Next() {
			s := iter.Value().String()
			if c := clean(s); c != s {
				set = append(set, kv{iter.Key(), reflect.ValueOf(c).Convert(v.Type().Elem())})
			}
		}
		for _, e := range set {
			v.SetMapIndex(e.k, e.v)
		}
	}
}

// cell is s for a text table: one line, at most MaxCell bytes, with an
// ellipsis where it was cut (the JSON report holds it whole).
func cell(s string) string {
	return textguard.Clip(oneLine(s), MaxCell)
}

// capWriter passes at most max bytes to w, then one note saying the
// output was cut, and swallows the rest: a bound on a whole output,
// whatever the report holds.
type capWriter struct {
	w    io.Writer
	left int
	note string
	cut  bool
	// midLine: the last byte written was not a newline.
	midLine bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.cut {
		return len(p), nil
	}
	if len(p) <= c.left {
		c.left -= len(p)
		c.midLine = len(p) > 0 && p[len(p)-1] != '\n' || len(p) == 0 && c.midLine
		return c.w.Write(p)
	}
	c.cut = true
	q := p[:c.left]
	if i := bytes.LastIndexByte(q, '\n'); i >= 0 {
		q = q[:i+1] // end on a whole line
		c.midLine = false
	} else {
		q = nil
	}
	if _, err := c.w.Write(q); err != nil {
		return 0, err
	}
	note := c.note
	if c.midLine {
		note = "\n" + note
	}
	if _, err := io.WriteString(c.w, note); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Capped bounds a line-oriented renderer's output to MaxOutput bytes.
func Capped(render Renderer) Renderer {
	return func(w io.Writer, r *Report) error {
		return render(&capWriter{w: w, left: MaxOutput, note: fmt.Sprintf("… cut: output exceeded %d MiB; the JSON report (--output) holds everything\n", MaxOutput>>20)}, r)
	}
}
