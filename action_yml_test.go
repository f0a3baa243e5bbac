package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The action's contract (contract §8).
var (
	specInputs  = []string{"path", "proxy", "candidates", "depth", "checksums", "fail-on", "ignore", "timeout", "cache", "set-env", "summary", "annotations"}
	specOutputs = []string{"passed", "unreachable", "not-found", "recommended-goproxy", "fastest-proxy", "report"}
)

// actionFile is action.yml read just enough to check it: the keys under
// inputs: and outputs:, each key's default/value, and the run: scripts.
type actionFile struct {
	inputs, outputs map[string]map[string]string
	runs            []string
	env             map[string]string // every step's env:, merged
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	a := actionFile{inputs: map[string]map[string]string{}, outputs: map[string]map[string]string{}, env: map[string]string{}}
	lines := strings.Split(string(data), "\n")
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	section, key, inEnv := "", "", false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimSpace(l), ":")
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch n := indent(l); {
		case n == 0:
			section = k
		case n == 2 && (section == "inputs" || section == "outputs"):
			key = k
			m := a.inputs
			if section == "outputs" {
				m = a.outputs
			}
			m[key] = map[string]string{}
		case n == 4 && (section == "inputs" || section == "outputs"):
			m := a.inputs
			if section == "outputs" {
				m = a.outputs
			}
			m[key][k] = v
		case section == "runs" && strings.TrimLeft(k, "- ") == "run":
			if v == "|" {
				var script []string
				for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || indent(lines[i+1]) > n) {
					i++
					script = append(script, lines[i])
				}
				a.runs = append(a.runs, strings.Join(script, "\n"))
			} else {
				a.runs = append(a.runs, v)
			}
			inEnv = false
		case section == "runs" && strings.TrimLeft(k, "- ") == "env":
			inEnv = true
		case section == "runs" && inEnv && n == 8:
			a.env[k] = v
		case section == "runs" && n <= 6:
			inEnv = false
		}
	}
	return a
}

func keys(m map[string]map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// TestActionMetadata checks action.yml against the contract: exactly the
// inputs and outputs of contract §8, each input handed to the binary
// as INPUT_* in env: (the binary reads exactly those), no expression in a
// run: script (script injection), and the offline vendored build.
func TestActionMetadata(t *testing.T) {
	a := readAction(t)
	if got, want := strings.Join(keys(a.inputs), " "), strings.Join(sorted(specInputs), " "); got != want {
		t.Errorf("inputs %s, want %s", got, want)
	}
	if got, want := strings.Join(keys(a.outputs), " "), strings.Join(sorted(specOutputs), " "); got != want {
		t.Errorf("outputs %s, want %s", got, want)
	}
	if got, want := strings.Join(sorted(append([]string{"path"}, actionInputs...)), " "), strings.Join(sorted(specInputs), " "); got != want {
		t.Errorf("the binary reads inputs %s, want %s", got, want)
	}
	for name, want := range map[string]string{"path": ".", "cache": "auto", "set-env": "false", "summary": "true", "annotations": "true"} {
		if got := a.inputs[name]["default"]; got != want {
			t.Errorf("input %s: default %q, want %q", name, got, want)
		}
	}
	for _, name := range specInputs {
		env := "INPUT_" + strings.ToUpper(name)
		if got, want := a.env[env], "${{ inputs."+name+" }}"; got != want {
			t.Errorf("env %s = %q, want %q", env, got, want)
		}
	}
	for _, name := range specOutputs {
		if got, want := a.outputs[name]["value"], "${{ steps.check.outputs."+name+" }}"; got != want {
			t.Errorf("output %s = %q, want %q", name, got, want)
		}
	}
	if len(a.runs) != 2 {
		t.Fatalf("%d run: scripts, want 2 (build, check)", len(a.runs))
	}
	for _, r := range a.runs {
		if strings.Contains(r, "${{") {
			t.Errorf("run: script holds an expression (script injection):\n%s", r)
		}
	}
	if !strings.Contains(a.env["GOFLAGS"], "-mod=vendor") || !strings.Contains(a.env["GOFLAGS"], "-trimpath") ||
		a.env["GOTOOLCHAIN"] != "local" || a.env["GOPROXY"] != "off" || a.env["GOWORK"] != "off" {
		t.Errorf("build env %q: want GOFLAGS=-mod=vendor -trimpath, GOTOOLCHAIN=local, GOPROXY=off, GOWORK=off", a.env)
	}
	if !strings.Contains(a.runs[0], `"$RUNNER_TEMP/`) || !strings.Contains(a.runs[0], "go build") {
		t.Errorf("build script does not build into RUNNER_TEMP:\n%s", a.runs[0])
	}
}

// TestActionlint runs actionlint, pinned in tools/ and built offline from
// tools/vendor, over the workflows and, through their uses: ./, over
// action.yml; then over a copy with a misspelt input, to show that it
// reads them.
func TestActionlint(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: cannot build actionlint")
	}
	bin := filepath.Join(t.TempDir(), "actionlint")
	build := exec.Command("go", "build", "-o", bin, "github.com/rhysd/actionlint/cmd/actionlint")
	build.Dir = "tools"
	build.Env = append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building actionlint: %v\n%s", err, out)
	}
	workflows, err := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if err != nil || len(workflows) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	lint := func(dir string) (string, error) {
		cmd := exec.Command(bin, append([]string{"-no-color", "-shellcheck=", "-pyflakes="}, workflows...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := lint("."); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}

	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, ".github", "workflows"), 0o755)
	os.Mkdir(filepath.Join(bad, ".git"), 0o755) // actionlint's project root
	for _, f := range append([]string{"action.yml"}, workflows...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = regexp.MustCompile(`(?m)^(\s+)set-env: true$`).ReplaceAll(data, []byte("${1}set-env-typo: true"))
		os.WriteFile(filepath.Join(bad, f), data, 0o644)
	}
	out, err := lint(bad)
	if err == nil || !strings.Contains(out, `input "set-env-typo" is not defined in action`) {
		t.Errorf("actionlint did not catch a misspelt input of uses: ./ (err %v):\n%s", err, out)
	}
}
