package report

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"
)

// writeIndented must write what json.Encoder with SetIndent("", "  ")
// writes: the JSON report's layout is part of what users diff.
func TestWriteIndentedMatchesEncoder(t *testing.T) {
	spec, err := os.ReadFile("testdata/spec-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var fromSpec any
	if err := json.Unmarshal(spec, &fromSpec); err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{
		fromSpec,
		map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{[]any{}, map[string]any{"d": nil}}},
		[]any{`quote " and \ backslash`, "brackets {[,:]} in a string", "\\\"", "<html>&", "\u2028", 1.5, -2, true, false, nil},
		map[string]any{"nested": []any{map[string]any{"x": []any{1, 2, map[string]any{}}}}},
		"", []any{""}, 0,
	} {
		if got, want := rendered(t, v, writeIndented), rendered(t, v, encoderIndent); got != want {
			t.Errorf("writeIndented:\n%s\njson.Encoder:\n%s", got, want)
		}
	}
}

// JSON streams the modules but writes what json.Encoder writes, for a
// full report, one with no modules and one whose modules are nil.
func TestJSONMatchesEncoder(t *testing.T) {
	spec, err := os.ReadFile("testdata/spec-report.json")
	if err != nil {
		t.Fatal(err)
	}
	// The spec's example fills every field but "started" with a value.
	spec = bytes.Replace(spec, []byte(`"RFC3339"`), []byte(`"2026-12-03T06:00:00.123Z"`), 1)
	var full Report
	if err := json.Unmarshal(spec, &full); err != nil {
		t.Fatal(err)
	}
	if len(full.Modules) == 0 {
		t.Fatal("the spec report has no modules to stream")
	}
	many := full
	many.Modules = append(append([]Module{}, full.Modules...), full.Modules...)
	many.Modules[0].Detail = `"modules": null, {"modules":null}`
	empty, none := full, full
	empty.Modules, none.Modules = []Module{}, nil
	for name, r := range map[string]*Report{"full": &full, "two copies": &many, "empty": &empty, "nil": &none} {
		jsonOf := func(w io.Writer, v any) error { return JSON(w, v.(*Report)) }
		if got, want := rendered(t, r, jsonOf), rendered(t, r, encoderIndent); got != want {
			t.Errorf("%s: JSON:\n%s\njson.Encoder:\n%s", name, got, want)
		}
	}
}

// encoderIndent is the layout the JSON writers must match.
func encoderIndent(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func rendered(t *testing.T, v any, write func(io.Writer, any) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
