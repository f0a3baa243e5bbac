package ghactions

import (
	"bytes"
	"io"
	"sync"
)

// guardPrefix starts a line that would otherwise read as a workflow
// command. It is visible, so the log still shows the text as written.
const guardPrefix = "| "

// Guard returns a writer for text that is not a workflow command of ours
// (errors naming files, --verbose request lines, progress): a line that
// the runner would read as a command (it starts, after blanks, with
// "::") is written after guardPrefix, so no go.mod path, server answer or
// error text can annotate, mask, set variables or stop commands. Lines are
// held until complete, so a command cannot be split across writes; Flush
// writes an unterminated last line.
func Guard(w io.Writer) *GuardWriter { return &GuardWriter{w: w} }

// GuardWriter is the writer Guard returns; it is safe for concurrent use.
type GuardWriter struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte
}

func (g *GuardWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, p...)
	for {
		i := bytes.IndexByte(g.pending, '\n')
		if i < 0 {
			break
		}
		if err := g.writeLine(g.pending[:i+1]); err != nil {
			return 0, err
		}
		g.pending = g.pending[i+1:]
	}
	if len(g.pending) > 64<<10 {
		// A line this long is no log line; write it guarded now rather
		// than hold it.
		err := g.writeLine(g.pending)
		g.pending = nil
		if err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes a last line that has no newline.
func (g *GuardWriter) Flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pending) == 0 {
		return nil
	}
	err := g.writeLine(g.pending)
	g.pending = nil
	return err
}

func (g *GuardWriter) writeLine(line []byte) error {
	// The runner reads a line as a command when it starts with "::"
	// after blanks; a carriage return starts a new line for it too.
	for _, part := range bytes.SplitAfter(line, []byte("\r")) {
		if bytes.HasPrefix(bytes.TrimLeft(part, " \t\r"), []byte("::")) {
			if _, err := io.WriteString(g.w, guardPrefix); err != nil {
				return err
			}
		}
		if _, err := g.w.Write(part); err != nil {
			return err
		}
	}
	return nil
}
