package report

import (
	"bytes"
	"encoding/json"
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
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeIndented(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("writeIndented:\n%s\njson.Encoder:\n%s", got.String(), want.String())
		}
	}
}
