package main

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/report"
)

// contractSection returns section n of docs/contract.md: the text from its
// "## n." heading to the next heading of that level.
func contractSection(t *testing.T, n string) string {
	t.Helper()
	data, err := os.ReadFile("docs/contract.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, "\n## "+n+". ")
	if start < 0 {
		t.Fatalf("docs/contract.md has no section %s", n)
	}
	rest := doc[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+3]
	}
	return rest
}

// matches returns the first group of every match of re in s, sorted and
// without duplicates.
func matches(re string, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sameSet reports, in both directions, the names one list has and the
// other lacks.
func sameSet(t *testing.T, what string, documented, implemented []string) {
	t.Helper()
	if len(documented) == 0 {
		t.Fatalf("%s: docs/contract.md names none", what)
	}
	for _, d := range documented {
		if !slices.Contains(implemented, d) {
			t.Errorf("%s %q is in docs/contract.md but not implemented", what, d)
		}
	}
	for _, i := range implemented {
		if !slices.Contains(documented, i) {
			t.Errorf("%s %q is implemented but missing from docs/contract.md", what, i)
		}
	}
}

// TestContractFlags: every flag the contract names is one the command
// accepts (its --help lists it), and every flag it accepts is documented.
func TestContractFlags(t *testing.T) {
	documented := matches("(?m)^\\| `--([a-z-]+)", contractSection(t, "1"))
	for _, f := range matches("(?m)^\\| `--[a-z-]+` / `--([a-z-]+)`", contractSection(t, "1")) {
		documented = append(documented, f)
	}
	slices.Sort(documented)
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"--help"}, func(string) string { return "" }, &stdout, &stderr)
	implemented := matches(`(?m)^\s+--?([a-z][a-z-]+)`, stdout.String()+stderr.String())
	sameSet(t, "flag", documented, implemented)
}

// TestContractCauses: the cause table is exactly cause.All().
func TestContractCauses(t *testing.T) {
	documented := matches("(?m)^\\| `([a-z_0-9]+)` \\|", contractSection(t, "5"))
	var implemented []string
	for _, c := range cause.All() {
		implemented = append(implemented, string(c))
	}
	slices.Sort(implemented)
	sameSet(t, "cause code", documented, implemented)
}

// TestContractStatuses: the module statuses of section 3 are the engine's.
func TestContractStatuses(t *testing.T) {
	line := regexp.MustCompile("Module status: ([^.]*)\\.").FindStringSubmatch(contractSection(t, "3"))
	if line == nil {
		t.Fatal("section 3 lists no module statuses")
	}
	var implemented []string
	for _, s := range checks.Statuses {
		implemented = append(implemented, string(s))
	}
	slices.Sort(implemented)
	sameSet(t, "module status", matches("`([a-z_]+)`", line[1]), implemented)
}

// TestContractJSON: every key of the section 6 example is a JSON field of
// the report model, and every field of the model is in the example. The
// env object's keys are variable names, not fields.
func TestContractJSON(t *testing.T) {
	sec := contractSection(t, "6")
	start := strings.Index(sec, "```json\n")
	end := strings.Index(sec[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("section 6 has no JSON example")
	}
	example := regexp.MustCompile(`"env": \{[^}]*\}`).ReplaceAllString(sec[start+8:start+8+end], `"env": {}`)
	documented := matches(`"([a-z_0-9]+)":`, example)
	var implemented []string
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !slices.Contains(implemented, name) {
				implemented = append(implemented, name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[report.Report]())
	slices.Sort(implemented)
	sameSet(t, "JSON field", documented, implemented)
}

// TestContractAction: the inputs and outputs section 8 names are
// action.yml's, both ways.
func TestContractAction(t *testing.T) {
	sec := contractSection(t, "8")
	para := func(head string) string {
		i := strings.Index(sec, head)
		if i < 0 {
			t.Fatalf("section 8 has no %q paragraph", head)
		}
		p, _, _ := strings.Cut(sec[i:], "\n\n")
		// Values such as (default `.`) or (`true`/`false`) are not names.
		return regexp.MustCompile("\\([^)]*\\)").ReplaceAllString(p, "")
	}
	a := readAction(t)
	sameSet(t, "action input", matches("`([a-z][a-z-]*)`", para("Inputs:")), keys(a.inputs))
	sameSet(t, "action output", matches("`([a-z][a-z-]*)`", para("Outputs:")), keys(a.outputs))
}

// TestContractMetrics: the metric table of section 10 is what the
// Prometheus renderer writes.
func TestContractMetrics(t *testing.T) {
	documented := matches("(?m)^\\| `(gopreflight_[a-z_]+)`", contractSection(t, "10"))
	r := &report.Report{
		Endpoints: []report.Endpoint{{URL: "https://proxy.example", Role: "proxy", Requests: 2, Failures: 1,
			FailureCauses: map[cause.Code]int{cause.TCPReset: 1}}},
		Ranking: []report.Rank{{URL: "https://proxy.example", Role: "proxy", Rank: 1, Complete: true}},
	}
	var b bytes.Buffer
	if err := report.Prometheus(&b, r); err != nil {
		t.Fatal(err)
	}
	sameSet(t, "metric", documented, matches(`(?m)^# TYPE (gopreflight_[a-z_]+) `, b.String()))
}

// TestContractExitCodes: section 7's codes are the command's.
func TestContractExitCodes(t *testing.T) {
	documented := matches("(?m)^\\| ([0-9]+) \\|", contractSection(t, "7"))
	sameSet(t, "exit code", documented, []string{"0", "1", "2"})
	if exitOK != 0 || exitGate != 1 || exitInput != 2 {
		t.Errorf("exit codes %d %d %d, want 0 1 2", exitOK, exitGate, exitInput)
	}
}
