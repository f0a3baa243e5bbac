package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// command is one contender: the go command or gopreflight with its flags.
type command struct {
	label string
	argv  []string // argv[0] is the program
	// preflight: the output is a gopreflight JSON report to check.
	preflight bool
}

// measurement is one run of one command.
type measurement struct {
	wall  time.Duration
	rssKB int64 // peak resident set of the child; 0 where unknown
	reqs  requestStats
}

// runner runs commands against the proxy, each in a fresh project copy
// with a fresh module cache.
type runner struct {
	p       *proxy
	scratch string
	// path is PATH for the children (it must find go).
	path string
}

// env is the environment of every child: hermetic, cold, and the same for
// both tools.
func (r *runner) env(dir string) []string {
	env := []string{
		"PATH=" + r.path,
		"HOME=" + filepath.Join(dir, "home"),
		"GOPATH=" + filepath.Join(dir, "gopath"),
		"GOMODCACHE=" + filepath.Join(dir, "modcache"),
		"GOCACHE=" + filepath.Join(dir, "gocache"),
		"GOENV=off",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
		"GOFLAGS=-mod=mod",
		"GOPROXY=" + r.p.url,
		"GOSUMDB=off",
		"GOPRIVATE=", "GONOPROXY=", "GONOSUMDB=", "GOINSECURE=",
		"SSL_CERT_FILE=" + r.p.caFile,
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}

// run runs c once on g and checks that it succeeded.
func (r *runner) run(ctx context.Context, g *graph, gosum []byte, c command) (measurement, error) {
	dir, err := os.MkdirTemp(r.scratch, "run-")
	if err != nil {
		return measurement{}, err
	}
	defer removeAll(dir)
	work := filepath.Join(dir, "work")
	telemetry := filepath.Join(dir, "home", ".config", "go", "telemetry")
	for _, d := range []string{work, telemetry} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return measurement{}, err
		}
	}
	// `go telemetry off` as the go command records it, so that no
	// telemetry child process outlives the run.
	if err := os.WriteFile(filepath.Join(telemetry, "mode"), []byte("off"), 0o644); err != nil {
		return measurement{}, err
	}
	if err := os.WriteFile(filepath.Join(work, "go.mod"), g.gomod, 0o644); err != nil {
		return measurement{}, err
	}
	if err := os.WriteFile(filepath.Join(work, "go.sum"), gosum, 0o644); err != nil {
		return measurement{}, err
	}
	argv := c.argv
	if c.preflight {
		argv = append(append([]string(nil), argv...), work)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = work
	cmd.Env = r.env(dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r.p.reset()
	start := time.Now()
	err = cmd.Run()
	m := measurement{wall: time.Since(start), reqs: r.p.reset()}
	if cmd.ProcessState != nil {
		m.rssKB = maxRSSKB(cmd.ProcessState)
	}
	if err != nil {
		return m, fmt.Errorf("%s on %s: %v\n%s", c.label, g.name, err, tail(stderr.String()+stdout.String()))
	}
	if c.preflight {
		if err := checkReport(stdout.Bytes(), len(g.fetched)); err != nil {
			return m, fmt.Errorf("%s on %s: %w", c.label, g.name, err)
		}
	}
	return m, nil
}

// checkReport makes sure gopreflight judged every module ok: a fast wrong
// answer is no result.
func checkReport(data []byte, want int) error {
	var rep struct {
		Summary struct {
			Modules, OK int
			Passed      bool
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("report does not parse: %w", err)
	}
	s := rep.Summary
	if !s.Passed || s.OK < want {
		return fmt.Errorf("report: passed=%v, %d of %d modules ok, want all %d", s.Passed, s.OK, s.Modules, want)
	}
	return nil
}

func tail(s string) string {
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}

// removeAll removes dir, first undoing the read-only modes the go command
// gives its module cache.
func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	os.RemoveAll(dir)
}

// buildPreflight builds the gopreflight binary of the module at root from
// its vendored source.
func buildPreflight(ctx context.Context, root, dir string) (string, error) {
	exe := filepath.Join(dir, "gopreflight")
	cmd := exec.CommandContext(ctx, "go", "build", "-mod=vendor", "-o", exe, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building gopreflight: %v\n%s", err, out)
	}
	return exe, nil
}

// moduleRoot is the directory of the gopreflight module, found from dir
// upwards.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module github.com/gopreflight/gopreflight\n")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no gopreflight go.mod above %s", dir)
		}
	}
}

// goVersion is the local go's language version, e.g. "1.26.8".
func goVersion(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
	v, _, _ = strings.Cut(v, " ") // "1.26.8 X:..." experiments
	return v, nil
}
