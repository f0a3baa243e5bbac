package explain

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/heapwatch"
)

// TestPatterns: every entry's example matches that entry first, and the
// parser turns it into a failure with the entry's cause.
func TestPatterns(t *testing.T) {
	names := map[string]bool{}
	for _, p := range patterns {
		t.Run(p.name, func(t *testing.T) {
			if names[p.name] {
				t.Fatalf("two entries named %q", p.name)
			}
			names[p.name] = true
			if got := prefiltered(p.example); got == nil || got.name != p.name {
				t.Fatalf("example %q matches %v, want itself", p.example, got)
			}
			log := p.example + "\n"
			if strings.HasPrefix(p.example, "\tfatal: ") {
				// git's word on a failure the go command's line heads.
				log = "go: example.test/priv@v1.0.0: git ls-remote -q origin in /tmp/vcs/0123: exit status 128:\n" + log
			}
			fs, err := Parse(strings.NewReader(log), "ex")
			if err != nil || len(fs) != 1 {
				t.Fatalf("Parse: %v, %d failures", err, len(fs))
			}
			if !p.weak && fs[0].Cause != p.cause {
				t.Errorf("cause %s, want %s", fs[0].Cause, p.cause)
			}
			if !validCause(fs[0].Cause) {
				t.Errorf("cause %q is not a contract cause code", fs[0].Cause)
			}
		})
	}
}

func validCause(c cause.Code) bool {
	for _, k := range cause.All() {
		if k == c {
			return true
		}
	}
	return false
}

// excerpt is one log excerpt of a corpus file under its header
// "=== LABEL CAUSE MODULE HOST"; note is the "## " line above it.
type excerpt struct {
	head, note string
	log        strings.Builder
}

// readCorpus splits a corpus file into its comment header (the "# " lines
// before the first excerpt) and its excerpts.
func readCorpus(t *testing.T, name string) (header []string, cases []*excerpt) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	note := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			note = strings.TrimPrefix(line, "## ")
		case strings.HasPrefix(line, "=== "):
			cases = append(cases, &excerpt{head: strings.TrimPrefix(strings.TrimRight(line, "\r"), "=== "), note: note})
			note = ""
		case len(cases) > 0:
			cases[len(cases)-1].log.WriteString(line + "\n")
		case strings.HasPrefix(line, "#"):
			header = append(header, line)
		}
	}
	return header, cases
}

// checkExcerpts: the first failure Parse finds in each excerpt has the
// cause, module and host its header names. label checks the header's
// first field.
func checkExcerpts(t *testing.T, cases []*excerpt, label func(string) error) {
	for i, c := range cases {
		f := strings.Fields(c.head)
		if len(f) != 4 {
			t.Fatalf("corpus case %d: header %q: want LABEL CAUSE MODULE HOST", i, c.head)
		}
		want := Failure{Cause: cause.Code(f[1]), Module: dash(f[2]), Host: dash(f[3])}
		t.Run(fmt.Sprintf("%d_%s_%s", i, f[1], c.note), func(t *testing.T) {
			if err := label(f[0]); err != nil {
				t.Errorf("header %q: %v", c.head, err)
			}
			fs, err := Parse(strings.NewReader(c.log.String()), "corpus")
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) == 0 {
				t.Fatalf("no failure found in:\n%s", c.log.String())
			}
			got := fs[0]
			if got.Cause != want.Cause || got.Module != want.Module || got.Host != want.Host {
				t.Errorf("got cause %s module %q host %q, want %s %q %q\nline: %s", got.Cause, got.Module, got.Host, want.Cause, want.Module, want.Host, got.Line)
			}
			if strings.ContainsAny(got.Line, "\x1b\r") {
				t.Errorf("line not cleaned: %q", got.Line)
			}
		})
	}
}

// TestCorpus reads testdata/corpus.txt: excerpts the real go command of
// go1.21 to go1.26 printed, each labelled with the versions that printed
// it, which must be among the versions the file says it captured.
func TestCorpus(t *testing.T) {
	header, cases := readCorpus(t, "testdata/corpus.txt")
	var captured []string
	for _, h := range header {
		if v, ok := strings.CutPrefix(h, "# captured: "); ok {
			captured = strings.Fields(v)
		}
	}
	if len(captured) == 0 {
		t.Fatal("testdata/corpus.txt: no \"# captured: \" line naming the go versions that printed it")
	}
	used := map[string]bool{}
	checkExcerpts(t, cases, func(label string) error {
		for _, v := range strings.Split(label, ",") {
			if !slices.Contains(captured, v) {
				return fmt.Errorf("%q is not a captured go version (%s)", v, strings.Join(captured, " "))
			}
			used[v] = true
		}
		return nil
	})
	minors := map[string]bool{}
	for _, v := range captured {
		if !used[v] {
			t.Errorf("%s is captured but labels no excerpt", v)
		}
		if f := strings.SplitN(v, ".", 3); len(f) == 3 {
			minors[f[0]+"."+f[1]] = true
		}
	}
	for v := 21; v <= 26; v++ {
		if !minors[fmt.Sprintf("go1.%d", v)] {
			t.Errorf("the corpus has no excerpt of a go1.%d release", v)
		}
	}
}

// TestWrittenCorpus reads testdata/written.txt: the excerpts no loopback
// world can produce, written by hand after the format strings of the code
// that prints them. Each is labelled "written", never with a go version,
// and says why it is not captured.
func TestWrittenCorpus(t *testing.T) {
	_, cases := readCorpus(t, "testdata/written.txt")
	if len(cases) == 0 {
		t.Fatal("testdata/written.txt has no excerpt")
	}
	for _, c := range cases {
		if !strings.HasPrefix(c.note, "why: ") || len(c.note) < len("why: ")+10 {
			t.Errorf("excerpt %q: no \"## why: ...\" line saying why it is written, not captured", c.head)
		}
	}
	checkExcerpts(t, cases, func(label string) error {
		if label != "written" {
			return fmt.Errorf("label %q: a hand-written excerpt is labelled \"written\"", label)
		}
		return nil
	})
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// TestNoFailure: a log of a build that only failed to compile names no
// module-fetch failure.
func TestNoFailure(t *testing.T) {
	log := "go: downloading example.test/good v1.0.0\n# example.test/app\n./main.go:5:2: undefined: foo\n--- FAIL: TestX (0.00s)\n    x_test.go:12: got 1, want 2: mismatch\n" +
		// A test's own network error is no module fetch.
		"    db_test.go:31: dial tcp 127.0.0.1:5432: connect: connection refused\n" +
		"db_test.go:40: Get \"https://api.example/v1\": x509: certificate signed by unknown authority\nFAIL\n"
	fs, err := Parse(strings.NewReader(log), "build.log")
	if err != nil || len(fs) != 0 {
		t.Errorf("Parse = %v, %v; want no failure", fs, err)
	}
}

// TestSecretsRedacted: a token in a URL never reaches a failure.
func TestSecretsRedacted(t *testing.T) {
	log := `go: corp.example/lib@v1.2.0: reading https://ci:s3cret-token@goproxy.corp.example/corp.example/lib/@v/v1.2.0.mod: 401 Unauthorized` + "\n"
	fs, _ := Parse(strings.NewReader(log), "x")
	if len(fs) != 1 || strings.Contains(fs[0].Line+fs[0].URL, "s3cret") || fs[0].Host != "goproxy.corp.example" {
		t.Errorf("got %+v", fs)
	}
}

// noise is an endless-looking CI log: n bytes of compiler and test
// output, with one fetch failure at the end and a line far longer than
// MaxLine in the middle.
type noise struct {
	left  int64
	i     int
	long  int // bytes of the long line still to emit
	tail  *strings.Reader
	lines []string
}

func newNoise(n int64) *noise {
	return &noise{left: n, long: -1, tail: strings.NewReader("\x1b[31mgo: example.test/good@v1.0.0: reading http://127.0.0.1:9/example.test/good/@v/v1.0.0.mod: 404 Not Found\x1b[0m\r\n"),
		lines: []string{
			"2024-01-02T03:04:05.1234567Z === RUN   TestSomething/case_with_a_longer_name\n",
			"    something_test.go:42: got 1, want 2: values differ\n",
			"ok  \texample.test/app/internal/pkg\t0.123s\tcoverage: 81.2% of statements\n",
			"\x1b[32m--- PASS: TestSomething (0.01s)\x1b[0m\n",
		}}
}

func (n *noise) Read(p []byte) (int, error) {
	if n.left <= 0 {
		return n.tail.Read(p)
	}
	if n.long < 0 && n.left < 50<<20 {
		n.long = 5 * MaxLine // once, half way
	}
	if n.long > 0 {
		k := min(len(p), n.long)
		for j := range k {
			p[j] = 'x'
		}
		n.long -= k
		if n.long == 0 {
			p[k-1] = '\n'
		}
		n.left -= int64(k)
		return k, nil
	}
	total := 0
	for total < len(p) && n.left > 0 {
		s := n.lines[n.i%len(n.lines)]
		if len(s) > len(p)-total {
			break
		}
		n.i++
		total += copy(p[total:], s)
		n.left -= int64(len(s))
	}
	if total == 0 {
		return n.tail.Read(p)
	}
	return total, nil
}

// TestBoundedMemory reads a 100 MB log: the heap stays small and the
// failure at its end is found, in bounded time.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB stream")
	}
	if raceOn {
		t.Skip("memory and time bounds are checked without the race detector")
	}
	peak := heapwatch.Start(20 * time.Millisecond)
	start := time.Now()
	fs, err := Parse(io.Reader(newNoise(100<<20)), "big.log")
	el := time.Since(start)
	grown := int64(peak())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Cause != cause.NotFound || fs[0].Module != "example.test/good@v1.0.0" {
		t.Fatalf("failures %+v, want the 404 at the end", fs)
	}
	t.Logf("100 MB in %v, heap grew by at most %d KiB", el, grown/1024)
	if grown > 16<<20 {
		t.Errorf("heap grew by %d MiB reading a 100 MB log; want under 16 MiB", grown>>20)
	}
	if el > 20*time.Second {
		t.Errorf("reading 100 MB took %v", el)
	}
}
