package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// flagGroups orders --help as go help and govulncheck do: by what a flag
// is for. Every flag is in exactly one group (TestHelp checks).
var flagGroups = []struct {
	title string
	names []string
}{
	{"What to check", []string{"proxy", "candidates", "depth", "checksums", "cache", "offline", "ignore"}},
	{"Network", []string{"timeout", "request-timeout", "concurrency", "retries", "ca-file", "resolver"}},
	{"Gate", []string{"fail-on"}},
	{"Output", []string{"format", "output", "quiet", "verbose", "version"}},
	{"GitHub Actions (when GITHUB_ACTIONS=true; inputs of the same names)", []string{"set-env", "summary", "annotations"}},
}

// argNames name the values of flags whose usage text does not.
var argNames = map[string]string{
	"proxy": "LIST", "candidates": "LIST", "depth": "mod|zip|full", "ignore": "PATTERNS",
	"fail-on": "error|warning|never", "format": "FORMAT",
}

const usageHead = `Usage: gopreflight [flags] [PATH ...]
       gopreflight explain [flags] [--path PATH] [LOG ...]
       gopreflight run [flags] [--path PATH] -- COMMAND [ARGS...]

gopreflight checks, before go build, that every module the build of PATH
needs can be fetched through the routes the go command would take (GOPROXY,
GOPRIVATE, the checksum database, the module cache), names the cause of
every failure and recommends the fastest complete GOPROXY. PATH is a go.mod,
a go.work or a directory holding one (default "."); several are checked in
one run. The environment is read as the go command reads it.

`

const usageTail = `Examples:
  gopreflight                          check the module in the current directory
  gopreflight --depth full ./svc/go.mod
                                       also download the zips and verify their hashes
  gopreflight --candidates https://mirror-a.example,https://mirror-b.example
                                       rank two more mirrors beside GOPROXY
  gopreflight --checksums false --fail-on warning go.work
                                       a workspace; warnings fail the gate too
  gopreflight --format json --output report.json
  GOPROXY=https://goproxy.example,direct gopreflight --verbose
                                       log every request: what was asked of whom

explain names the module-fetch failures in a go command's log and checks
them again live; run runs a command and explains its output when it fails
(gopreflight explain --help).

Boolean flags take --flag, --flag=false or --flag false.
Exit status: 0 every needed module can be fetched, 1 the gate failed
(--fail-on), 2 the input is unusable (a file that does not parse, a bad flag).
`

// usage writes --help: the synopsis, the flags by group with their
// defaults, and examples.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageHead)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	groups := flagGroups
	// A flag no group names is still listed (TestHelp asks for a group).
	grouped := map[string]bool{}
	for _, g := range flagGroups {
		for _, n := range g.names {
			grouped[n] = true
		}
	}
	var other []string
	fs.VisitAll(func(f *flag.Flag) {
		if !grouped[f.Name] {
			other = append(other, f.Name)
		}
	})
	if len(other) > 0 {
		groups = append(groups[:len(groups):len(groups)], struct {
			title string
			names []string
		}{"Other", other})
	}
	for _, g := range groups {
		fmt.Fprintf(tw, "%s:\n", g.title)
		for _, name := range g.names {
			f := fs.Lookup(name)
			if f == nil {
				continue
			}
			arg, text := flag.UnquoteUsage(f)
			switch {
			case isBoolFlag(f):
				arg = ""
			case argNames[name] != "":
				arg = argNames[name]
			case arg == "duration":
				arg = "D"
			case arg == "int":
				arg = "N"
			}
			if d := f.DefValue; d != "" && d != "false" && !isBoolFlag(f) || d == "true" {
				text += fmt.Sprintf(" (default %s)", d)
			}
			fmt.Fprintf(tw, "  --%s\t%s\n", strings.TrimSpace(name+" "+arg), text)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprint(w, usageTail)
}
