package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/gopreflight/gopreflight/report"
)

// version is set by the build (-ldflags "-X main.version=..."): the
// action, the image and the release stamp a real one.
var version = "devel"

// buildInfo says which binary this is: the stamped version, else the
// module version the go command recorded (v1.2.3 for go install …@v1.2.3,
// a pseudo-version for a build in a tagged checkout); the commit; the Go
// release that built it.
func buildInfo() report.Build {
	b := report.Build{Version: version, ModuleVersion: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if bi.Main.Version != "" {
		b.ModuleVersion = bi.Main.Version
	}
	if b.Version == "devel" && b.ModuleVersion != "(devel)" {
		b.Version = b.ModuleVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.CommitTime = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// printVersion writes --version's answer: the version on the first line
// (scripts read it), then where it came from.
func printVersion(w io.Writer, b report.Build) {
	fmt.Fprintf(w, "gopreflight %s\n", b.Version)
	fmt.Fprintf(w, "module: github.com/gopreflight/gopreflight %s\n", b.ModuleVersion)
	switch {
	case b.Commit == "":
		fmt.Fprintln(w, "commit: unknown (no version control information in the build)")
	case b.Modified:
		fmt.Fprintf(w, "commit: %s (%s, with uncommitted changes)\n", b.Commit, b.CommitTime)
	default:
		fmt.Fprintf(w, "commit: %s (%s)\n", b.Commit, b.CommitTime)
	}
	fmt.Fprintf(w, "go: %s %s\n", b.Go, b.Platform)
}
