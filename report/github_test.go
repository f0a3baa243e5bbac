package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// command is one workflow command as the runner parses a log line
// (ActionCommand.TryParseV2 in actions/runner): "::name k=v,k=v::data".
type command struct {
	name  string
	props map[string]string
	data  string
}

func parseCommand(line string) (command, bool) {
	line = strings.TrimSpace(line) // be stricter than the runner: indented lines count too
	if !strings.HasPrefix(line, "::") {
		return command{}, false
	}
	end := strings.Index(line[2:], "::")
	if end < 0 {
		return command{}, false
	}
	info := line[2 : 2+end]
	c := command{name: info, props: map[string]string{}, data: unescape(line[2+end+2:], false)}
	if name, props, ok := strings.Cut(info, " "); ok {
		c.name = name
		for _, p := range strings.Split(props, ",") {
			if k, v, ok := strings.Cut(p, "="); ok && k != "" {
				c.props[k] = unescape(v, true)
			}
		}
	}
	return c, true
}

func unescape(s string, prop bool) string {
	pairs := []string{"%0D", "\r", "%0A", "\n"}
	if prop {
		pairs = append(pairs, "%3A", ":", "%2C", ",")
	}
	return strings.NewReplacer(append(pairs, "%25", "%")...).Replace(s)
}

// commands returns the workflow commands in out that the runner would
// act on: none between ::stop-commands::T and ::T::.
func commands(t *testing.T, out string) []command {
	t.Helper()
	var cmds []command
	stopped := ""
	for _, l := range strings.Split(out, "\n") {
		c, ok := parseCommand(l)
		if !ok {
			continue
		}
		if stopped != "" {
			if c.name == stopped {
				stopped = ""
			}
			continue
		}
		if c.name == "stop-commands" {
			if len(c.data) < 20 {
				t.Errorf("stop-commands token %q is too short to be unguessable", c.data)
			}
			stopped = c.data
			continue
		}
		cmds = append(cmds, c)
	}
	if stopped != "" {
		t.Errorf("commands stay stopped at the end of the output")
	}
	return cmds
}

func TestGitHubAnnotationLines(t *testing.T) {
	ws := t.TempDir()
	var out bytes.Buffer
	if err := GitHubWith(&out, sampleReport(ws), GitHubOptions{Workspace: ws}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "::error ") || strings.HasPrefix(l, "::warning ") || strings.HasPrefix(l, "::notice ") {
			got = append(got, l)
		}
	}
	want := []string{
		"::error col=2,file=go.mod,line=7,title=example.test/typo@v1.9.9%3A not_found::proxy.example: 404 Not Found: not found: example.test/typo@v1.9.9: invalid version: unknown revision v1.9.9%0ACheck the version in go.mod (a typo, a deleted tag, or a private module that needs GOPRIVATE).",
		"::error col=2,file=go.mod,line=9,title=corp.example/lib@v0.3.1%3A tls_unknown_authority::git.corp.example:443: x509: certificate signed by unknown authority (issuer CN=Corp Inspection CA)%0ATrust the corporate CA (SSL_CERT_FILE or --ca-file), or reach the repository through a proxy.",
		"::warning col=2,file=go.mod,line=6,title=mirror_lag%3A https%3A//mirror.example lacks 1 needed version::The candidate is stale.%0ADo not put it first in GOPROXY.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("annotations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasSuffix(out.String(), "gopreflight FAIL: 2 of 3 needed module versions cannot be fetched (1 not_found, 1 unreachable)\n") {
		t.Errorf("output does not end with the verdict:\n%s", out.String())
	}
	cmds := commands(t, out.String())
	if len(cmds) != 5 || cmds[0].name != "group" || cmds[1].name != "endgroup" {
		t.Errorf("want group, endgroup and 3 annotations; got %+v", cmds)
	}
	if !strings.Contains(out.String(), "MODULE") {
		t.Errorf("the text report is missing from the log group")
	}

	out.Reset()
	if err := GitHubWith(&out, sampleReport(ws), GitHubOptions{Workspace: ws, NoAnnotations: true}); err != nil {
		t.Fatal(err)
	}
	if cmds := commands(t, out.String()); len(cmds) != 2 {
		t.Errorf("NoAnnotations: got commands %+v", cmds)
	}
}

func TestRelFile(t *testing.T) {
	wd, _ := os.Getwd()
	ws := t.TempDir()
	tests := []struct{ file, base, want string }{
		{filepath.Join(ws, "sub", "go.mod"), ws, "sub/go.mod"},
		{filepath.Join(ws, "go.sum"), ws, "go.sum"},
		{"go.mod", wd, "go.mod"},
		{"go.mod", "", "go.mod"},
		{"../x/go.mod", "", "../x/go.mod"}, // outside the workspace: as given
		{filepath.Join(t.TempDir(), "go.mod"), ws, ""},
		{"", ws, ""},
	}
	for _, tt := range tests {
		got := relFile(tt.file, tt.base)
		want := tt.want
		if want == "" && tt.file != "" {
			want = filepath.ToSlash(tt.file)
		}
		if got != want {
			t.Errorf("relFile(%q, %q) = %q, want %q", tt.file, tt.base, got, want)
		}
	}
}

func TestAnnotationCap(t *testing.T) {
	ws := t.TempDir()
	for _, n := range []int{MaxAnnotations, MaxAnnotations + 1, 40} {
		ans := Annotations(manyFailures(ws, n, "gone"), ws)
		if n <= MaxAnnotations {
			if len(ans) != n {
				t.Errorf("%d failures: %d annotations, want all", n, len(ans))
			}
			continue
		}
		if len(ans) != MaxAnnotations {
			t.Fatalf("%d failures: %d annotations, want %d", n, len(ans), MaxAnnotations)
		}
		for i, an := range ans[:MaxAnnotations-1] {
			if an.Line != 5+i || an.File != "go.mod" {
				t.Errorf("annotation %d at %s:%d, want go.mod:%d", i, an.File, an.Line, 5+i)
			}
		}
		last := ans[MaxAnnotations-1]
		rest := n - (MaxAnnotations - 1)
		if last.Level != "error" || last.Title != fmt.Sprint(rest)+" more errors" || last.File != "" {
			t.Errorf("summary annotation %+v", last)
		}
		if !strings.Contains(last.Message, "example.test/m00009@v1.0.0: not_found (go.mod:14)") ||
			!strings.Contains(last.Message, fmt.Sprintf("example.test/m%05d@v1.0.0", n-1)) {
			t.Errorf("summary annotation does not list the rest:\n%s", last.Message)
		}
	}
}

// TestGitHubHostileText feeds the github format text that tries every way
// out of an annotation: a newline followed by a command, escaped newlines,
// property separators in the file name and the title. The runner must see
// exactly the annotations gopreflight meant, carrying the text unchanged.
func TestGitHubHostileText(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file names with ':' are not possible on Windows")
	}
	ws := t.TempDir()
	dir := filepath.Join(ws, "we,ird:dir%0A")
	hostile := "bad\n::error file=evil.go,line=1::pwned\r\n%0A::add-mask::x ::set-env name=A::b <script>alert(1)</script>"
	r := sampleReport(dir)
	r.Modules[1].Detail = hostile
	r.Findings[1].Advice = "advice,with:colons%2C"
	r.Findings[2].Title = "t::itle,\nwith::warning::stuff"
	r.Endpoints[0].Detail = hostile
	var out bytes.Buffer
	if err := GitHubWith(&out, r, GitHubOptions{Workspace: ws}); err != nil {
		t.Fatal(err)
	}
	cmds := commands(t, out.String())
	var ann []command
	for _, c := range cmds {
		switch c.name {
		case "group", "endgroup":
		case "error", "warning", "notice":
			ann = append(ann, c)
		default:
			t.Errorf("unexpected workflow command %q reached the runner", c.name)
		}
	}
	if len(ann) != 3 {
		t.Fatalf("%d annotations, want 3:\n%s", len(ann), out.String())
	}
	if ann[0].props["file"] != "we,ird:dir%0A/go.mod" || ann[0].props["line"] != "7" || ann[0].props["col"] != "2" {
		t.Errorf("file property did not survive: %q", ann[0].props)
	}
	if want := hostile + "\nadvice,with:colons%2C"; ann[0].data != want {
		t.Errorf("message = %q, want %q", ann[0].data, want)
	}
	if want := "mirror_lag: t::itle, with::warning::stuff"; ann[2].props["title"] != want {
		t.Errorf("title = %q, want %q", ann[2].props["title"], want)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "::error file=evil.go") {
			t.Errorf("injected line reached the log: %q", l)
		}
	}
}
