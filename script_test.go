package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"

	"golang.org/x/tools/txtar"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
)

var update = flag.Bool("update", false, "rewrite the stdout and stderr sections of testdata/script/*.txtar with what the command printed")

// TestScripts runs the command on each scenario in testdata/script. A
// script is a txtar archive. Its comment holds the run, one directive a
// line ('#' starts a comment):
//
//	env KEY=VALUE        set a variable (the environment is exactly these,
//	                     on top of GOENV=off, GOSUMDB=off, GOTOOLCHAIN=local
//	                     and a temporary HOME and GOMODCACHE)
//	gopreflight ARGS...  the command line, split at spaces (name $WORK,
//	                     or a file in it, as the PATH)
//	exit N               the exit code it must end with
//
// Its files are written into a temporary directory, $WORK, except:
//
//	proxy, proxy $NAME   a module proxy on loopback, at $PROXY or $NAME;
//	                     one directive a line:
//	                       PATH VERSION            serve that module version
//	                       status CODE URLPATH     answer CODE instead ("*" at
//	                                               the end matches any rest)
//	                       tamper PATH VERSION     serve a .mod other than the
//	                                               one go.sum was made from
//	stdout, stderr       what the command must print, after normalising
//	                     (a missing section means nothing)
//
// $WORK, the proxy variables (and $NAME_HOST, their host:port) are
// substituted in env, args and files, and put back in place of their values
// in the output, as is $TMP, the directory holding $WORK, HOME and
// GOMODCACHE. Durations and latencies
// become NN (tables are realigned afterwards), so that the output compares
// equal on every run. go test -run TestScripts -update rewrites stdout and
// stderr with what the command printed; the exit code is only ever changed
// by hand.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runScript(t, file)
		})
	}
}

func runScript(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	work := filepath.Join(root, "work")
	vars := []string{"$WORK", work, "$TMP", root}
	env := map[string]string{
		"GOENV": "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local",
		"HOME": filepath.Join(root, "home"), "GOMODCACHE": filepath.Join(root, "modcache"),
	}

	// Start the proxies first, so that files and args can name them.
	var proxies []txtar.File
	for _, f := range ar.Files {
		if f.Name == "proxy" || strings.HasPrefix(f.Name, "proxy ") {
			proxies = append(proxies, f)
		}
	}
	servers := make([]*goproxytest.Server, len(proxies))
	for i := range servers {
		servers[i] = goproxytest.New(t)
	}
	// The tool sorts by URL in places (the allow-list): give the proxies
	// ports in the order the script declares them, so that sorted lists
	// read the same on every run.
	sort.Slice(servers, func(i, j int) bool { return servers[i].URL() < servers[j].URL() })
	for i, f := range proxies {
		name := strings.TrimSpace(strings.TrimPrefix(f.Name, "proxy"))
		if name == "" {
			name = "$PROXY"
		}
		if !varName.MatchString(name) {
			t.Fatalf("section %q: want proxy or proxy $NAME", f.Name)
		}
		setupProxy(t, servers[i], f.Data)
		vars = append(vars, name, servers[i].URL(), name+"_HOST", strings.TrimPrefix(servers[i].URL(), "http://"))
	}
	expand, unexpand := replacers(vars)

	var args []string
	wantCode := -1
	for n, line := range strings.Split(string(ar.Comment), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verb, rest, _ := strings.Cut(expand.Replace(line), " ")
		switch verb {
		case "env":
			k, v, ok := strings.Cut(rest, "=")
			if !ok {
				t.Fatalf("%s:%d: want env KEY=VALUE", file, n+1)
			}
			env[k] = v
		case "gopreflight":
			args = strings.Fields(rest)
		case "exit":
			if wantCode, err = strconv.Atoi(rest); err != nil {
				t.Fatalf("%s:%d: %v", file, n+1, err)
			}
		default:
			t.Fatalf("%s:%d: unknown directive %q", file, n+1, verb)
		}
	}
	if args == nil || wantCode < 0 {
		t.Fatalf("%s: want a gopreflight line and an exit line", file)
	}

	want := map[string]string{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "stdout" || f.Name == "stderr":
			want[f.Name] = string(f.Data)
		case f.Name == "proxy" || strings.HasPrefix(f.Name, "proxy "):
		default:
			p := filepath.Join(work, filepath.FromSlash(f.Name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(expand.Replace(string(f.Data))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	got := map[string]string{
		"stdout": normalize(stdout.String(), unexpand),
		"stderr": normalize(stderr.String(), unexpand),
	}

	if code != wantCode {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, wantCode, got["stderr"])
	}
	if *update {
		writeGolden(t, file, ar, got)
		return
	}
	for _, name := range []string{"stdout", "stderr"} {
		if got[name] != want[name] {
			t.Errorf("%s differs (go test -run TestScripts -update rewrites it)\n%s", name, lineDiff(want[name], got[name]))
		}
	}
}

var varName = regexp.MustCompile(`^\$[A-Z][A-Z0-9_]*$`)

// setupProxy adds the modules and faults of a proxy section to s.
func setupProxy(t *testing.T, s *goproxytest.Server, data []byte) {
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
		case f[0] == "status" && len(f) == 3:
			code, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("proxy: %q: %v", line, err)
			}
			pattern := f[2]
			s.Handle(func(p string) bool {
				if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
					return strings.HasPrefix(p, prefix)
				}
				return p == pattern
			}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, http.StatusText(code), code)
			}))
		case f[0] == "tamper" && len(f) == 3:
			s.Tamper(f[1], f[2], "module "+f[1]+"\n\ngo 1.21\n\n// tampered\n")
		case len(f) == 2:
			s.Add(goproxytest.Module{Path: f[0], Version: f[1]})
		default:
			t.Fatalf("proxy: bad line %q", line)
		}
	}
}

// replacers returns the replacer of variable names by their values, and
// the one putting the names back in output, where the Markdown report
// writes ':' as "&#58;". vars holds name, value pairs. Longer strings are
// replaced first ($PROXY_HOST before $PROXY).
func replacers(vars []string) (expand, unexpand *strings.Replacer) {
	type pair struct{ old, new string }
	var in, out []pair
	for i := 0; i < len(vars); i += 2 {
		name, value := vars[i], vars[i+1]
		in = append(in, pair{name, value})
		out = append(out, pair{value, name}, pair{strings.ReplaceAll(value, ":", "&#58;"), name})
	}
	build := func(ps []pair) *strings.Replacer {
		sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].old) > len(ps[j].old) })
		var args []string
		for _, p := range ps {
			args = append(args, p.old, p.new)
		}
		return strings.NewReplacer(args...)
	}
	return build(in), build(out)
}

var volatile = []struct {
	re  *regexp.Regexp
	new string
}{
	// JSON: when the run started, and every timing.
	{regexp.MustCompile(`"started": "[^"]*"`), `"started": "TIME"`},
	{regexp.MustCompile(`"(duration_ms|dns|connect|tls|ttfb|p50|p95|max)": [0-9.]+`), `"$1": NN`},
	// Mermaid chart values.
	{regexp.MustCompile(`(?m)^(  bar \[)[0-9, ]+\]$`), `${1}NN]`},
	{regexp.MustCompile(`0 --> [0-9]+`), `0 --> NN`},
	// Text and Markdown: "12ms", "12 ms", "1.2 s", and Markdown's "–" for
	// a latency that rounded to zero.
	{regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?ms\b`), `NNms`},
	{regexp.MustCompile(`\b([0-9]+ ms|[0-9]+\.[0-9] s)\b`), `NN ms`},
	{regexp.MustCompile(`\| – \|`), `| NNms |`},
	// The Go release and platform that built the binary (JSON "version").
	{regexp.MustCompile(`"go": "go[^"]*"`), `"go": "GOVERSION"`},
	{regexp.MustCompile(`"platform": "[^"]*"`), `"platform": "GOOS/GOARCH"`},
	// The random token of ::stop-commands:: (--format github).
	{regexp.MustCompile(`gopreflight-[0-9a-f]{32}`), `gopreflight-TOKEN`},
}

// normalize replaces what changes from run to run in out: the values of
// the script's variables by their names, and volatile numbers by NN. The
// text report's tables are cut into cells as printed, and laid out again
// (as text/tabwriter did, with the report's settings) after the cells are
// normalised, since their column widths depended on what was replaced.
func normalize(out string, vars *strings.Replacer) string {
	fix := func(s string) string {
		s = vars.Replace(s)
		for _, v := range volatile {
			s = v.re.ReplaceAllString(s, v.new)
		}
		return s
	}
	lines := strings.Split(out, "\n")
	var res []string
	for i := 0; i < len(lines); {
		if !tableHeader.MatchString(lines[i]) {
			res = append(res, fix(lines[i]))
			i++
			continue
		}
		var starts []int // where the header's columns start
		for j := range lines[i] {
			if lines[i][j] != ' ' && (j == 0 || lines[i][j-1] == ' ') {
				starts = append(starts, j)
			}
		}
		indent := lines[i][:starts[0]]
		var b strings.Builder
		tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
		for ; i < len(lines) && inTable(lines[i], starts); i++ {
			var cells []string
			for k, st := range starts {
				end := len(lines[i])
				if k+1 < len(starts) {
					end = starts[k+1]
				}
				cells = append(cells, fix(strings.TrimSpace(lines[i][st:end])))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			res = append(res, indent+l)
		}
	}
	return strings.Join(res, "\n")
}

// A table of the text report starts with a line of capital words,
// maybe indented.
var tableHeader = regexp.MustCompile(`^ *[A-Z][A-Z0-9]*(  +[A-Z][A-Z0-9]*){2,} *$`)

// inTable says whether line is a row of a table whose columns start at
// starts: at least two spaces before each column.
func inTable(line string, starts []int) bool {
	for _, st := range starts[1:] {
		if len(line) < st || line[st-2:st] != "  " {
			return false
		}
	}
	return true
}

// writeGolden rewrites file with got as its stdout and stderr sections.
func writeGolden(t *testing.T, file string, ar *txtar.Archive, got map[string]string) {
	var files []txtar.File
	for _, f := range ar.Files {
		if f.Name != "stdout" && f.Name != "stderr" {
			files = append(files, f)
		}
	}
	for _, name := range []string{"stdout", "stderr"} {
		if got[name] != "" {
			files = append(files, txtar.File{Name: name, Data: []byte(got[name])})
		}
	}
	ar.Files = files
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lineDiff shows want and got line by line, marking the lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			fmt.Fprintf(&b, "  %s\n", wl)
			continue
		}
		if i < len(w) {
			fmt.Fprintf(&b, "- %s\n", wl)
		}
		if i < len(g) {
			fmt.Fprintf(&b, "+ %s\n", gl)
		}
	}
	return b.String()
}
