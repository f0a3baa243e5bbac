package report

import (
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
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
