// Package goenv resolves the Go environment the way the go command does:
// the process environment first, then the GOENV file, then $GOROOT/go.env,
// then Go's defaults.
// It needs no go binary, so it works in a minimal container image.
package goenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// The go command's defaults for the public module mirror and checksum
// database. These are the only places their names appear.
const (
	DefaultGOPROXY = "https://proxy.golang.org,direct"
	DefaultGOSUMDB = "sum.golang.org"
	defaultSumKey  = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
	sumdbAlias     = "sum.golang.google.cn"
)

// Vars lists the variables Load resolves, in the order reports print them.
var Vars = []string{
	"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOFLAGS",
	"GOINSECURE", "GOTOOLCHAIN", "GOAUTH", "GOOS", "GOARCH", "GOVERSION",
}

// Env is a resolved Go environment.
type Env struct {
	GOPROXY, GONOPROXY, GOPRIVATE, GONOSUMDB, GOSUMDB string
	GOFLAGS, GOINSECURE, GOTOOLCHAIN, GOAUTH          string
	// GOWORK decides workspace mode: "" or "auto" to search for go.work,
	// "off", or a go.work path.
	GOWORK       string
	GOOS, GOARCH string
	// GOVERSION is the local go's version ("go1.22.4"), or "" when unknown.
	GOVERSION string

	// GOROOT is the local go's root, or "" when no go is known.
	GOROOT string

	// Source says where each variable came from: "env", "goenv",
	// "goroot" ($GOROOT/go.env, $GOROOT/VERSION), "default".
	Source map[string]string
	// Getenv reads the process environment (HTTPS_PROXY, NETRC, HOME, ...).
	Getenv func(string) string

	// files are the GOENV file's and $GOROOT/go.env's settings, in the
	// order the go command reads them.
	files []map[string]string
}

// Load resolves the environment. getenv is usually os.Getenv; goroot is
// the local go's root (FindGOROOT), whose VERSION names the local go and
// whose go.env holds the defaults that toolchain ships (cmd/go's
// cfg.initEnvCache reads it after the GOENV file); "" when no go is known.
func Load(getenv func(string) string, goroot string) (*Env, error) {
	file, err := readGoEnvFile(getenv)
	if err != nil {
		return nil, err
	}
	var rootFile map[string]string
	e := &Env{Source: map[string]string{}, Getenv: getenv, GOROOT: goroot}
	if goroot != "" {
		e.GOVERSION = readVersion(filepath.Join(goroot, "VERSION"))
		if e.GOVERSION != "" {
			e.Source["GOVERSION"] = "goroot"
		}
		if rootFile, err = readEnvFile(filepath.Join(goroot, "go.env")); err != nil {
			return nil, fmt.Errorf("reading GOROOT's go.env: %w", err)
		}
	}
	get := func(key, def string) string {
		if v, ok := lookup(getenv, key); ok {
			e.Source[key] = "env"
			return v
		}
		if v, ok := file[key]; ok {
			e.Source[key] = "goenv"
			return v
		}
		if v, ok := rootFile[key]; ok {
			e.Source[key] = "goroot"
			return v
		}
		e.Source[key] = "default"
		return def
	}
	e.files = []map[string]string{file, rootFile}
	e.GOPROXY = get("GOPROXY", DefaultGOPROXY)
	e.GOPRIVATE = get("GOPRIVATE", "")
	e.GONOPROXY = get("GONOPROXY", e.GOPRIVATE)
	e.GONOSUMDB = get("GONOSUMDB", e.GOPRIVATE)
	e.GOSUMDB = get("GOSUMDB", DefaultGOSUMDB)
	e.GOFLAGS = get("GOFLAGS", "")
	e.GOINSECURE = get("GOINSECURE", "")
	e.GOTOOLCHAIN = get("GOTOOLCHAIN", "auto")
	e.GOAUTH = get("GOAUTH", "netrc")
	e.GOWORK = get("GOWORK", "")
	e.GOOS = get("GOOS", runtime.GOOS)
	e.GOARCH = get("GOARCH", runtime.GOARCH)
	return e, nil
}

// lookup treats an empty variable as unset, as the go command does for
// these settings.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// readGoEnvFile reads the file `go env -w` writes: $GOENV, or
// $XDG_CONFIG_HOME/go/env (os.UserConfigDir), "off" disabling it.
func readGoEnvFile(getenv func(string) string) (map[string]string, error) {
	path := getenv("GOENV")
	if path == "off" {
		return nil, nil
	}
	if path == "" {
		dir := configDir(getenv)
		if dir == "" {
			return nil, nil
		}
		path = filepath.Join(dir, "go", "env")
	}
	vars, err := readEnvFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading GOENV file: %w", err)
	}
	return vars, nil
}

// readEnvFile reads KEY=VALUE lines, skipping comments and lines without
// =, as the go command does for the GOENV file and $GOROOT/go.env; a
// missing file is empty.
func readEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue // the go command ignores such lines too
		}
		vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return vars, nil
}

// FindGOROOT returns the local go's root without running it: $GOROOT, or
// the go on PATH (through symlinks) up two directories; the first that
// holds a VERSION file wins. "" when no go is installed.
func FindGOROOT(getenv func(string) string) string {
	var candidates []string
	if root := getenv("GOROOT"); root != "" {
		candidates = append(candidates, root)
	}
	if p, err := exec.LookPath("go"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		candidates = append(candidates, filepath.Dir(filepath.Dir(p)))
	}
	for _, c := range candidates {
		if readVersion(filepath.Join(c, "VERSION")) != "" {
			return c
		}
	}
	if len(candidates) > 0 {
		return candidates[0]
	}
	return ""
}

// readVersion returns the go version on a VERSION file's first line
// ("go1.22.4"), or "".
func readVersion(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	v, _, _ := strings.Cut(string(data), "\n")
	if v = strings.TrimSpace(v); strings.HasPrefix(v, "go") {
		return v
	}
	return ""
}

// configDir mirrors os.UserConfigDir but reads the injected environment,
// so tests and callers control it.
func configDir(getenv func(string) string) string {
	switch runtime.GOOS {
	case "windows":
		return getenv("AppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
		return ""
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

// ModFlag returns the -mod value in GOFLAGS ("vendor", "mod", "readonly")
// or "".
func (e *Env) ModFlag() string {
	mod := ""
	for _, f := range strings.Fields(e.GOFLAGS) {
		f = strings.TrimLeft(f, "-")
		if v, ok := strings.CutPrefix(f, "mod="); ok {
			mod = v // the last one wins, as with flags
		}
	}
	return mod
}

// Setting returns a variable the go command reads from the environment,
// then the GOENV file, then $GOROOT/go.env (GOMODCACHE, GOPATH, ...); ""
// when unset.
func (e *Env) Setting(key string) string {
	if v, ok := lookup(e.Getenv, key); ok {
		return v
	}
	for _, f := range e.files {
		if v := f[key]; v != "" {
			return v
		}
	}
	return ""
}

// Lookup returns a variable by name, for reports.
func (e *Env) Lookup(key string) string {
	switch key {
	case "GOPROXY":
		return e.GOPROXY
	case "GONOPROXY":
		return e.GONOPROXY
	case "GOPRIVATE":
		return e.GOPRIVATE
	case "GONOSUMDB":
		return e.GONOSUMDB
	case "GOSUMDB":
		return e.GOSUMDB
	case "GOFLAGS":
		return e.GOFLAGS
	case "GOINSECURE":
		return e.GOINSECURE
	case "GOTOOLCHAIN":
		return e.GOTOOLCHAIN
	case "GOAUTH":
		return e.GOAUTH
	case "GOOS":
		return e.GOOS
	case "GOARCH":
		return e.GOARCH
	case "GOVERSION":
		return e.GOVERSION
	}
	return e.Getenv(key)
}
