// Package explain reads the output of a go command that failed (go build,
// go test, go mod download, go get, go list, with or without -x, with CI
// noise, ANSI colours and CRLF line ends around it) and names each
// module-fetch, checksum, toolchain and VCS failure in it: the log line,
// the module, the URL and host, the phase and a cause code of contract
// §5 (docs/contract.md). Judge then sets each failure beside a live run's report of
// the same build, to say whether it still happens.
//
// Log text is all there is here, so this is the one package that matches
// error wording; the wording lives in one table (patterns.go).
package explain

import (
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

// Failure is one failure a log names.
type Failure struct {
	// Source is the log's name ("-" for stdin) and LineNo the line the
	// failure starts at, from 1.
	Source string
	LineNo int
	// Line is the log line, cleaned and with credentials redacted; a
	// continuation that named the cause better is appended after " | ".
	Line string
	// Module is path@version, or a bare path when the log names no
	// version; Package is an import path when the line names a package
	// instead (missing go.sum entry).
	Module, Package string
	// URL is the first URL the failure names (redacted); Host is its
	// host[:port], or the host a network error names.
	URL, Host string
	Phase     Phase
	Cause     cause.Code
	// Pattern names the table entry that matched.
	Pattern string
}

// ModulePath is the module's path without its version.
func (f Failure) ModulePath() string {
	p, _, _ := strings.Cut(f.Module, "@")
	return p
}

// ModuleVersion is the module's version, "" when the log names none.
func (f Failure) ModuleVersion() string {
	_, v, _ := strings.Cut(f.Module, "@")
	return v
}

var (
	// modVersion is path@version as the go command prints it: a path whose
	// first element has a dot (or the toolchain module), a semver,
	// pseudo-version or query.
	modVersion = regexp.MustCompile(`(?:^|[\s"'(])([a-zA-Z0-9][-a-zA-Z0-9_.~]*\.[a-zA-Z0-9][-a-zA-Z0-9_.~/+]*?|golang\.org/toolchain)@(v\d[-a-zA-Z0-9_.+]*|latest|upgrade|patch|[0-9a-f]{7,40})\b`)
	// downloading is the progress line the go command prints before a
	// fetch ("go: downloading example.com/m v1.2.3"), and the toolchain's
	// ("go: downloading go1.22.4 (linux/amd64)").
	downloading = regexp.MustCompile(`^go: downloading (\S+) (v\S+)$`)
	toolchainDL = regexp.MustCompile(`^go: downloading (go1[.\d]*\S*) \((\w+)/(\w+)\)$|download (go1[.\d]*\S*) for (\w+)/(\w+): toolchain not available`)
	// modulePath is "module example.com/m: ..." (a query's error).
	modulePath = regexp.MustCompile(`\bmodule ([a-zA-Z0-9][-a-zA-Z0-9_.~]*\.[a-zA-Z0-9][-a-zA-Z0-9_.~/+]*): `)
	pkgPath    = regexp.MustCompile(`(?:providing package|verify package|find module providing package) ([a-zA-Z0-9][-a-zA-Z0-9_.~]*\.[-a-zA-Z0-9_.~/+]+)`)
	// goShaped is how the go command starts an error line: "go: ", a
	// package position from go build ("main.go:3:8: "), or the checksum
	// verifier's "verifying ".
	goShaped = regexp.MustCompile(`^(?:go: |verifying |[^\s:]+\.go:\d+:\d+: )`)
	urlRE    = regexp.MustCompile(`(?:https?|file)://[^\s"'<>]+`)
	hostRE   = regexp.MustCompile(`dial tcp ([^\s:]+:\d+)|lookup ([^\s:]+)(?: on|:)|Could not resolve host: (\S+)|Failed to connect to (\S+) port (\d+)`)
)

// Parse reads a log and returns its failures in log order, one per
// distinct (module, cause, host), with the first line that named it.
// Memory is bounded by MaxLine whatever the log's size; an error is the
// reader's.
func Parse(r io.Reader, source string) ([]Failure, error) {
	p := parser{source: source, seen: map[string]bool{}}
	err := lines(r, p.line)
	p.flush()
	return p.out, err
}

type parser struct {
	source string
	out    []Failure
	seen   map[string]bool
	// open is the failure whose continuation lines may follow.
	open *Failure
	weak bool
	// downloading is the module of the last "go: downloading" line: a
	// failure line that names no module (GOPROXY=off under go build)
	// belongs to it.
	downloading string
}

func (p *parser) line(n int, line string) error {
	if line == "" {
		return nil
	}
	cont := line[0] == '\t' || line[0] == ' ' || strings.HasPrefix(line, "fatal: ")
	if strings.HasPrefix(line, "go: downloading ") {
		if m := downloading.FindStringSubmatch(line); m != nil {
			p.downloading = m[1] + "@" + m[2]
		} else if m := toolchainDL.FindStringSubmatch(line); m != nil && m[1] != "" {
			p.downloading = toolchainModule(m[1], m[2], m[3])
		}
		return nil
	}
	if strings.HasPrefix(line, "# get ") {
		return nil // -x traces a request; the error line that follows says what failed
	}
	pat := prefiltered(line)
	if cont && p.open != nil {
		if pat != nil && p.weak && !pat.weak {
			p.open.Cause, p.open.Phase, p.open.Pattern = pat.cause, pat.phase, pat.name
			p.open.Line += " | " + strings.TrimSpace(goenv.Redact(line))
			if p.open.Host == "" {
				p.open.URL, p.open.Host = where(line)
			}
			p.weak = false
		}
		return nil
	}
	if pat == nil {
		if !cont {
			p.flush()
		}
		return nil
	}
	p.flush()
	f := Failure{Source: p.source, LineNo: n, Line: strings.TrimSpace(goenv.Redact(line)), Cause: pat.cause, Phase: pat.phase, Pattern: pat.name}
	f.Module = moduleOf(line)
	if f.Module == "" {
		if m := pkgPath.FindStringSubmatch(line); m != nil {
			f.Package = m[1]
		} else if m := toolchainDL.FindStringSubmatch(line); m != nil && m[4] != "" {
			f.Module = toolchainModule(m[4], m[5], m[6])
		} else if !goShaped.MatchString(line) {
			// A network error with no module, printed by something other
			// than the go command: a test's own failure in `go test`
			// output ("db_test.go:12: dial tcp ...: connection refused").
			return nil
		} else if pat.phase != PhaseGoSum {
			f.Module = p.downloading
		}
	}
	f.URL, f.Host = where(line)
	p.open, p.weak = &f, pat.weak
	return nil
}

// flush records the open failure, once per module, cause and host.
func (p *parser) flush() {
	if p.open == nil {
		return
	}
	f := *p.open
	p.open = nil
	key := f.Module + "\x00" + f.Package + "\x00" + string(f.Cause) + "\x00" + f.Host
	if !p.seen[key] {
		p.seen[key] = true
		p.out = append(p.out, f)
	}
}

// moduleOf finds path@version in a line, ignoring URLs (whose paths hold
// "/@v/").
func moduleOf(line string) string {
	s := urlRE.ReplaceAllString(line, " ")
	if m := modVersion.FindStringSubmatch(s); m != nil {
		return m[1] + "@" + m[2]
	}
	if m := modulePath.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// where returns the first URL a line names (redacted) and the host it is
// about: the URL's host, else the host a network error names.
func where(line string) (u, host string) {
	if raw := urlRE.FindString(line); raw != "" {
		raw = strings.TrimRight(raw, ".,;:)'")
		u = goenv.Redact(raw)
		if pu, err := url.Parse(raw); err == nil {
			host = pu.Host
		}
	}
	if host == "" {
		if m := hostRE.FindStringSubmatch(line); m != nil {
			for i, s := range m[1:] {
				if s != "" {
					host = s
					if i == 3 && m[5] != "" {
						host += ":" + m[5]
					}
					break
				}
			}
		}
	}
	return u, host
}

// toolchainModule is the module the go command downloads a toolchain as.
func toolchainModule(goVersion, goos, goarch string) string {
	return "golang.org/toolchain@v0.0.1-" + goVersion + "." + goos + "-" + goarch
}
